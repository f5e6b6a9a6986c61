/*
 * replay_main: runs every file under the directories given on the command
 * line through LLVMFuzzerTestOneInput, so the corpus is a normal test
 * (STYLE.md section 12).  Also feeds a few built-in hostile inputs: empty,
 * one NUL byte, 64 KiB of 0xFF.  Exit status 0 when every input returned;
 * a crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_files;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long len;

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	data = malloc((size_t)len + 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	n_files++;
	return 0;
}

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		return 0; /* an absent corpus is an empty corpus */
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.') {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc |= replay_dir(path);
		} else if (replay_file(path) != 0) {
			rc = 1;
		}
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t ff[65536];
	uint8_t nul = 0;
	int rc = 0;

	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	LLVMFuzzerTestOneInput(&nul, 1);
	memset(ff, 0xFF, sizeof(ff));
	LLVMFuzzerTestOneInput(ff, sizeof(ff));
	for (int i = 1; i < argc; i++) {
		rc |= replay_dir(argv[i]);
	}
	printf("replayed %d corpus files\n", n_files);
	return rc;
}
