/*
 * embed — build-time generator: compiles files into a C array of
 * struct embedded_file (src/core/embedded.h).
 *
 *   embed NAME OUT.c FILE=PATH [FILE=PATH ...]
 *
 * For each file it records the served path, a content-hashed path (the first
 * ten hex digits of the SHA-256 before the extension), the MIME type from the
 * extension, a strong ETag (the first 16 hex digits of the SHA-256: 64 bits
 * tell two versions of a file apart, and each answer carries it) and a
 * Subresource Integrity value. For the
 * browser's files (NAME "assets") it also stores a gzip copy, compressed once
 * here at the highest level, when that saves at least a tenth: the server
 * sends it to browsers that accept gzip (the integrity value stays over the
 * plain bytes, which is what the browser checks after decoding), and a
 * brotli copy (libbrotlienc, quality 11) when it is smaller than the gzip
 * one, for browsers that accept br.
 */
#include <brotli/encode.h>
#include <sodium.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    const char *file;
    const char *path;
    size_t size;
    size_t gz_size; /* 0: no gzip copy */
    size_t br_size; /* 0: no brotli copy */
};

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->path, ((const struct item *)b)->path);
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext;
        const char *mime;
    } table[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".sql", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            if (strcmp(dot, table[i].ext) == 0)
                return table[i].mime;
    return "application/octet-stream";
}

/* brotli (RFC 7932) of data at the highest quality; NULL when it would not
 * be smaller than limit bytes. */
static unsigned char *brotli_of(const unsigned char *data, size_t size, size_t limit,
                                size_t *br_size)
{
    size_t cap = BrotliEncoderMaxCompressedSize(size);
    unsigned char *out = cap > 0 ? malloc(cap) : NULL;
    if (out == NULL)
        return NULL;
    *br_size = cap;
    if (!BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, size,
                               data, br_size, out) ||
        *br_size >= limit) {
        free(out);
        return NULL;
    }
    return out;
}

/* gzip (RFC 1952) of data at level 9; NULL when it would not be smaller than
 * limit bytes. */
static unsigned char *gzip_of(const unsigned char *data, size_t size, size_t limit, size_t *gz_size)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)size) + 32;
    unsigned char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *gz_size = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *gz_size >= limit) {
        free(out);
        return NULL;
    }
    return out;
}

/* A compressed copy: the suffix of its array ("gz"), of its macros ("GZ")
 * and of its ETag ("-gz"), and the compressor. */
struct codec {
    const char *suffix;
    const char *macro;
    unsigned char *(*compress)(const unsigned char *data, size_t size, size_t limit,
                               size_t *out_size);
};

static const struct codec gzip_codec = {"gz", "GZ", gzip_of};
static const struct codec brotli_codec = {"br", "BR", brotli_of};

/* The bytes as the initialiser's elements, 24 a line, each followed by a comma. */
static void emit_bytes(FILE *out, const unsigned char *data, size_t size)
{
    for (size_t j = 0; j < size; j++)
        fprintf(out, "%s%u,", j % 24 == 0 ? "\n" : "", data[j]);
}

/* File i's copy in codec c, when c makes one smaller than limit bytes (a
 * limit of 0: no copy): its array and NAME_i_GZ / NAME_i_GZ_ETAG (for gzip),
 * or those macros as NULL. Returns the copy's size, 0 without one. */
static size_t emit_compressed(FILE *out, const char *name, int i, const char *hex,
                              const struct codec *c, const unsigned char *data, size_t size,
                              size_t limit)
{
    size_t packed_size = 0;
    unsigned char *packed = limit > 0 ? c->compress(data, size, limit, &packed_size) : NULL;
    if (packed == NULL) {
        fprintf(out, "#define %s_%d_%s NULL\n#define %s_%d_%s_ETAG NULL\n\n", name, i, c->macro,
                name, i, c->macro);
        return 0;
    }
    fprintf(out, "static const unsigned char %s_%d_%s[%zu] = {", name, i, c->suffix, packed_size);
    emit_bytes(out, packed, packed_size);
    fprintf(out, "};\n#define %s_%d_%s %s_%d_%s\n", name, i, c->macro, name, i, c->suffix);
    fprintf(out, "#define %s_%d_%s_ETAG \"\\\"%.16s-%s\\\"\"\n\n", name, i, c->macro, hex,
            c->suffix);
    free(packed);
    return packed_size;
}

static unsigned char *slurp(const char *file, size_t *size)
{
    FILE *f = fopen(file, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            unsigned char *grown = realloc(buf, cap *= 2);
            if (grown == NULL)
                free(buf);
            buf = grown;
        }
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = len;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3 || sodium_init() < 0) {
        fprintf(stderr, "usage: embed NAME OUT.c FILE=PATH...\n");
        return 2;
    }
    const char *name = argv[1];
    int n = argc - 3;
    struct item *items = calloc((size_t)n + 1, sizeof *items);
    if (items == NULL)
        return 1;
    for (int i = 0; i < n; i++) {
        char *eq = strchr(argv[i + 3], '=');
        if (eq == NULL) {
            fprintf(stderr, "embed: argument without '=': %s\n", argv[i + 3]);
            free(items);
            return 2;
        }
        *eq = '\0';
        items[i].file = argv[i + 3];
        items[i].path = eq + 1;
    }
    qsort(items, (size_t)n, sizeof *items, cmp_item);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *out = fopen(tmp, "w");
    if (out == NULL) {
        perror(tmp);
        return 1;
    }
    fprintf(out,
            "/* generated by tools/embed.c — do not edit */\n#include \"core/embedded.h\"\n\n");
    for (int i = 0; i < n; i++) {
        size_t size;
        unsigned char *data = slurp(items[i].file, &size);
        if (data == NULL) {
            fprintf(stderr, "embed: cannot read %s\n", items[i].file);
            return 1;
        }
        fprintf(out, "static const unsigned char %s_%d[%zu] = {", name, i, size + 1);
        emit_bytes(out, data, size);
        fprintf(out, "0};\n");
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, data, size);
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                           sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
        /* hashed name: "/static/js/app.js" -> "/static/js/app.<10 hex>.js" */
        const char *path = items[i].path;
        const char *slash = strrchr(path, '/');
        const char *dot = strrchr(path, '.');
        if (dot == NULL || (slash != NULL && dot < slash))
            dot = path + strlen(path);
        fprintf(out, "#define %s_%d_HASHED \"%.*s.%.10s%s\"\n", name, i, (int)(dot - path), path,
                hex, dot);
        fprintf(out, "#define %s_%d_ETAG \"\\\"%.16s\\\"\"\n#define %s_%d_SRI \"sha256-%s\"\n\n",
                name, i, hex, name, i, b64);
        /* gzip for the browser's files when it saves at least a tenth; brotli
         * only where gzip was worth it, and only when smaller still */
        size_t gz_limit = strcmp(name, "assets") == 0 ? size - size / 10 + 1 : 0;
        size_t gz_size = emit_compressed(out, name, i, hex, &gzip_codec, data, size, gz_limit);
        size_t br_size = emit_compressed(out, name, i, hex, &brotli_codec, data, size, gz_size);
        items[i].br_size = br_size;
        free(data);
        items[i].size = size;
        items[i].gz_size = gz_size;
    }
    fprintf(out, "const struct embedded_file %s[] = {\n", name);
    for (int i = 0; i < n; i++)
        fprintf(out,
                "    {\"%s\", %s_%d_HASHED, \"%s\", %s_%d, %zu, %s_%d_ETAG, %s_%d_SRI, %s_%d_GZ, "
                "%zu, %s_%d_GZ_ETAG, %s_%d_BR, %zu, %s_%d_BR_ETAG},\n",
                items[i].path, name, i, mime_of(items[i].path), name, i, items[i].size, name, i,
                name, i, name, i, items[i].gz_size, name, i, name, i, items[i].br_size, name, i);
    fprintf(out, "    {0},\n};\nconst size_t %s_count = %d;\n", name, n);
    if (fclose(out) != 0 || rename(tmp, argv[2]) != 0) {
        perror(argv[2]);
        return 1;
    }
    free(items);
    return 0;
}
