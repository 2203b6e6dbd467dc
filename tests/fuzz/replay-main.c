/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a fuzz target over files (or every file in directories) given on the
 * command line, without libFuzzer: the seed corpora then serve as ordinary
 * regression tests in every build. Missing paths are skipped.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;
    if (!g_file_get_contents(path, &data, &len, NULL)) {
        return 0;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    return 1;
}

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
            const char *name;
            while (dir && (name = g_dir_read_name(dir))) {
                g_autofree char *p = g_build_filename(argv[i], name, NULL);
                n += run_file(p);
            }
        } else {
            n += run_file(argv[i]);
        }
    }
    printf("ran %d inputs\n", n);
    return 0;
}
