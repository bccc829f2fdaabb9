// libdeflate: whole-buffer DEFLATE/zlib decompression, used to decode HDF5 gzip chunks outside libhdf5's
// global lock; and zlib compression with CRC32 for the PNG pixel grids of the report's heat maps (Debian
// package libdeflate-dev, pkg-config name libdeflate).
#include <libdeflate.h>
