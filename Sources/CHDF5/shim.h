// Shim for libhdf5: the public header plus functions for the macros Swift cannot import
// (H5T_NATIVE_* are globals behind H5open(); H5P_DEFAULT and the H5F_ACC_* flags are macros).
#ifndef SALIENCE_CHDF5_SHIM_H
#define SALIENCE_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t CHDF5_P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t CHDF5_S_ALL(void) { return H5S_ALL; }
static inline unsigned CHDF5_F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned CHDF5_F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned CHDF5_F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned CHDF5_F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t CHDF5_T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t CHDF5_T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t CHDF5_T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t CHDF5_T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t CHDF5_T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t CHDF5_T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t CHDF5_T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t CHDF5_T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t CHDF5_T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t CHDF5_T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t CHDF5_T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t CHDF5_T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t CHDF5_T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t CHDF5_T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t CHDF5_T_C_S1(void) { return H5T_C_S1; }
static inline hid_t CHDF5_P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t CHDF5_P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t CHDF5_P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t CHDF5_P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t CHDF5_P_DATASET_XFER(void) { return H5P_DATASET_XFER; }
static inline hid_t CHDF5_P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t CHDF5_E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t CHDF5_T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t CHDF5_FD_SEC2(void) { return H5FD_SEC2; }
static inline haddr_t CHDF5_ADDR_UNDEF(void) { return HADDR_UNDEF; }
#endif
