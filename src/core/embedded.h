/*
 * embedded.h — the shape of a file compiled into the binary.
 *
 * tools/embed.c writes build/gen/assets.c (the browser's files under /static)
 * build/gen/migrations.c and build/gen/pg_migrations.c (the store's SQL) and build/gen/datafiles.c
 * (data/) as arrays of this struct, so the binary needs nothing on disk beside its database;
 * tools/prompts_gen.c writes build/gen/prompts_builtin.c (the prompt library, parsed).
 */
#ifndef DYAD_EMBEDDED_H
#define DYAD_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name;        /* "/static/js/app.js", or "001_init.sql" */
    const char *hashed_name; /* "/static/js/app.3fa2c1d09b.js": same bytes, cached forever */
    const char *mime;        /* Content-Type to serve it with */
    const unsigned char *data;
    size_t size;
    const char *etag;      /* "\"<16 hex of the sha256>\"", quotes included */
    const char *integrity; /* "sha256-<base64>", for Subresource Integrity */
    /* the same bytes gzipped at build time (assets only), NULL when gzip would
     * not save a tenth; served with Content-Encoding: gzip and its own ETag */
    const unsigned char *gz;
    size_t gz_size;
    const char *gz_etag; /* "\"<16 hex of the sha256>-gz\"" */
    /* the same bytes in brotli (assets only, Debian's libbrotli at quality
     * 11), NULL when it would not be smaller than the gzip copy; served with
     * Content-Encoding: br to browsers that accept it */
    const unsigned char *br;
    size_t br_size;
    const char *br_etag; /* "\"<16 hex of the sha256>-br\"" */
};

/* Sorted by name; each array ends with a zeroed entry. */
extern const struct embedded_file assets[];
extern const size_t assets_count;
extern const struct embedded_file migrations[]; /* SQLite's */
extern const size_t migrations_count;
extern const struct embedded_file pg_migrations[]; /* PostgreSQL's twins, same names */
extern const size_t pg_migrations_count;
extern const struct embedded_file datafiles[]; /* data/: the prompt library, … */
extern const size_t datafiles_count;

/* The modules one page of the browser client imports (app.js's static
 * imports, pages/<page>.js and its static imports), from
 * build/gen/preloads.c (tools/preloads.mjs). The entry "" is for pages
 * without a module; the array ends with {NULL, NULL, NULL}. */
struct page_modules {
    const char *page;
    const char *const *modules; /* served paths, NULL-terminated */
    /* what the page may import later through web/js/lazy.js, and what
     * those import that it did not preload: listed with their integrity
     * values, not preloaded (NULL-terminated) */
    const char *const *lazy;
};
extern const struct page_modules page_modules[];

/* The prompt library of data/prompts.json, parsed and checked at build
 * time (tools/prompts_gen.c writes build/gen/prompts_builtin.c: a library
 * that is not valid stops the build). Borrowed: copy the struct, never
 * free what it points to (prompts_free on a copy only zeroes it). */
struct prompt_library;
extern const struct prompt_library prompts_builtin;

#endif
