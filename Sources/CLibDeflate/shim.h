// libdeflate: whole-buffer DEFLATE/zlib decompression, used to decode HDF5 gzip chunks outside libhdf5's
// global lock (Debian package libdeflate-dev, pkg-config name libdeflate).
#include <libdeflate.h>
