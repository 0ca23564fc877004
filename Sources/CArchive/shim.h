#ifndef AUTHSTATS_CARCHIVE_SHIM_H
#define AUTHSTATS_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* The libarchive functions authstats calls, bound when the library is opened at run time
 * (LibArchive.swift says why it is not linked). Each member's type is taken from the
 * function's own declaration, so every call is checked against archive.h. */
#define AUTHSTATS_ARCHIVE_FUNCTION(name) __typeof__(&archive_##name) name
struct authstats_libarchive {
    AUTHSTATS_ARCHIVE_FUNCTION(read_new);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_format_tar);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_format_zip_streamable);
    /* Each filter alone, not read_support_filter_all: that registers grzip and lrzip (and
     * lz4, lzop, … when built without their libraries) as external programs, run on a
     * log's bytes (LibArchive.builtInFilters). */
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_bzip2);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_compress);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_gzip);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_lz4);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_lzip);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_lzma);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_lzop);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_rpm);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_uu);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_xz);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_filter_zstd);
    AUTHSTATS_ARCHIVE_FUNCTION(read_set_options);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_format_raw);
    AUTHSTATS_ARCHIVE_FUNCTION(read_support_format_empty);
    AUTHSTATS_ARCHIVE_FUNCTION(read_open);
    AUTHSTATS_ARCHIVE_FUNCTION(read_next_header);
    AUTHSTATS_ARCHIVE_FUNCTION(read_data_block);
    AUTHSTATS_ARCHIVE_FUNCTION(read_free);
    AUTHSTATS_ARCHIVE_FUNCTION(error_string);
    __typeof__(&archive_errno) errno_of; /* (`errno` is a macro) */
    AUTHSTATS_ARCHIVE_FUNCTION(filter_count);
    AUTHSTATS_ARCHIVE_FUNCTION(filter_code);
    AUTHSTATS_ARCHIVE_FUNCTION(filter_bytes);
    AUTHSTATS_ARCHIVE_FUNCTION(filter_name);
    AUTHSTATS_ARCHIVE_FUNCTION(entry_filetype);
    AUTHSTATS_ARCHIVE_FUNCTION(entry_pathname);
    AUTHSTATS_ARCHIVE_FUNCTION(entry_pathname_utf8);
    AUTHSTATS_ARCHIVE_FUNCTION(entry_size);
    AUTHSTATS_ARCHIVE_FUNCTION(entry_size_is_set);
};
#undef AUTHSTATS_ARCHIVE_FUNCTION
#endif
