#ifndef AUTHSTATS_CARCHIVE_SHIM_H
#define AUTHSTATS_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* The libarchive functions authstats calls. The library is not linked: it is opened with
 * dlopen the first time an input needs it (a tar or zip archive, or a compression authstats
 * does not decode itself), and these pointers are bound then (LibArchive.swift). Loading it
 * with the program cost every run ~1.3 ms: libarchive brings libxml2, ICU, nettle, acl and
 * lz4 with it. Each member has the type of the function it points to, so the compiler checks
 * every call against archive.h. */
struct authstats_libarchive {
    struct archive *(*read_new)(void);
    int (*read_support_format_tar)(struct archive *);
    int (*read_support_format_zip_streamable)(struct archive *);
    int (*read_support_filter_all)(struct archive *);
    int (*read_support_format_raw)(struct archive *);
    int (*read_support_format_empty)(struct archive *);
    int (*read_open)(struct archive *, void *, archive_open_callback *, archive_read_callback *,
                     archive_close_callback *);
    int (*read_next_header)(struct archive *, struct archive_entry **);
    int (*read_data_block)(struct archive *, const void **, size_t *, la_int64_t *);
    int (*read_free)(struct archive *);
    const char *(*error_string)(struct archive *);
    int (*errno_of)(struct archive *);
    int (*filter_count)(struct archive *);
    int (*filter_code)(struct archive *, int);
    const char *(*filter_name)(struct archive *, int);
    __LA_MODE_T (*entry_filetype)(struct archive_entry *);
    const char *(*entry_pathname)(struct archive_entry *);
    la_int64_t (*entry_size)(struct archive_entry *);
    int (*entry_size_is_set)(struct archive_entry *);
};
#endif
