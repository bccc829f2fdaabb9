/* libdeflate alone on a shard's stored chunks: the ceiling of gzip decoding per core, for ops/bench/inflate.
 * Fetches the stored (compressed) chunks of the first MAX_GB of decoded values of `embeddings` into memory
 * with H5Dread_chunk, then times, on one core, (1) libdeflate_zlib_decompress of every chunk into one reused
 * buffer and (2) the same plus the byte unshuffle into a second buffer (what any reader of a shuffled chunk
 * must do). Prints decoded GB/s for both. Usage: inflate-alone SHARD [MAX_GB] */
#include <hdf5.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: inflate-alone SHARD [MAX_GB]\n"); return 2; }
    double max_gb = argc > 2 ? atof(argv[2]) : 2.0;
    hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t data = file < 0 ? -1 : H5Dopen2(file, "embeddings", H5P_DEFAULT);
    if (data < 0) { fprintf(stderr, "inflate-alone: cannot open %s:/embeddings\n", argv[1]); return 1; }
    hid_t space = H5Dget_space(data), plist = H5Dget_create_plist(data);
    hsize_t dims[2], chunk[2];
    H5Sget_simple_extent_dims(space, dims, NULL);
    if (H5Pget_layout(plist) != H5D_CHUNKED || H5Pget_chunk(plist, 2, chunk) != 2) {
        fprintf(stderr, "inflate-alone: embeddings is not chunked\n"); return 1;
    }
    size_t chunk_bytes = chunk[0] * chunk[1] * 4, elements = chunk[0] * chunk[1];
    size_t grid_rows = (dims[0] + chunk[0] - 1) / chunk[0], grid_columns = (dims[1] + chunk[1] - 1) / chunk[1];
    size_t wanted = (size_t)(max_gb * 1e9 / chunk_bytes), count = 0;
    if (wanted > grid_rows * grid_columns) wanted = grid_rows * grid_columns;
    unsigned char **stored = calloc(wanted, sizeof *stored);
    size_t *sizes = calloc(wanted, sizeof *sizes);
    for (size_t r = 0; r < grid_rows && count < wanted; r++)
        for (size_t c = 0; c < grid_columns && count < wanted; c++) {
            hsize_t offset[2] = {r * chunk[0], c * chunk[1]};
            hsize_t size = 0;
            uint32_t mask = 0;
            if (H5Dget_chunk_storage_size(data, offset, &size) < 0 || size == 0) continue;
            stored[count] = malloc(size);
            sizes[count] = size;
            if (H5Dread_chunk(data, H5P_DEFAULT, offset, &mask, stored[count]) < 0) return 1;
            count++;
        }
    unsigned char *inflated = malloc(chunk_bytes), *out = malloc(chunk_bytes);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    double best_inflate = 1e30, best_both = 1e30;
    size_t produced;
    for (int repeat = 0; repeat < 3; repeat++) {
        double t = now();
        for (size_t i = 0; i < count; i++)
            if (libdeflate_zlib_decompress(d, stored[i], sizes[i], inflated, chunk_bytes, &produced) != 0) {
                fprintf(stderr, "inflate-alone: chunk %zu does not inflate (not gzip?)\n", i); return 1;
            }
        t = now() - t;
        if (t < best_inflate) best_inflate = t;
        t = now();
        for (size_t i = 0; i < count; i++) {
            libdeflate_zlib_decompress(d, stored[i], sizes[i], inflated, chunk_bytes, &produced);
            const unsigned char *p0 = inflated, *p1 = p0 + elements, *p2 = p1 + elements, *p3 = p2 + elements;
            uint32_t *words = (uint32_t *)out;
            for (size_t e = 0; e < elements; e++)
                words[e] = p0[e] | (uint32_t)p1[e] << 8 | (uint32_t)p2[e] << 16 | (uint32_t)p3[e] << 24;
        }
        t = now() - t;
        if (t < best_both) best_both = t;
    }
    double gb = (double)count * chunk_bytes / 1e9;
    printf("libdeflate alone  %zu chunks of %llux%llu, %.2f GB decoded: inflate %.2f GB/s, inflate + unshuffle "
           "%.2f GB/s (one core, best of 3, chunks in memory; checksum %u)\n",
           count, (unsigned long long)chunk[0], (unsigned long long)chunk[1], gb, gb / best_inflate,
           gb / best_both, ((uint32_t *)out)[7]);
    return 0;
}
