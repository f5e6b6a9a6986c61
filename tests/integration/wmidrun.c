/*
 * wmidrun: a private wmid for tests and benches.  See wmidrun.h.
 */
#include "wmidrun.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint32_t rnd(uint32_t n)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	}
	return v % n;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "wmidrun: cannot write %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

int wmidrun_prepare(struct wmidrun *d, const char *extra)
{
	char text[4096];

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/owmi-wmidrun-XXXXXX");
	if (mkdtemp(d->dir) == NULL) {
		fprintf(stderr, "wmidrun: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(d->addr, sizeof(d->addr), "127.%u.%u.%u", 1 + rnd(254),
	         1 + rnd(254), 1 + rnd(253));
	d->epm_port = (uint16_t)(20000 + rnd(20000));
	snprintf(d->conf, sizeof(d->conf), "%s/wmid.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/logs/wmid.log", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/wmid.sock", d->dir);
	snprintf(d->repo, sizeof(d->repo), "%s/repository.db", d->dir);
	snprintf(text, sizeof(text),
	         "[service]\nlisten = %s\nepm_port = %u\n%s", d->addr,
	         d->epm_port, extra != NULL ? extra : "");
	return write_text(d->conf, text);
}

static int run(char *const argv[], const char *input)
{
	int fds[2];
	pid_t pid;
	int status;

	if (pipe(fds) != 0) {
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[0], STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	if (input != NULL && write(fds[1], input, strlen(input)) < 0) {
		fprintf(stderr, "wmidrun: write: %s\n", strerror(errno));
	}
	close(fds[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "wmidrun: %s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

int wmidrun_repository(struct wmidrun *d,
                       const char *schema_repo,
                       const char *mofcomp,
                       const char *mof_text)
{
	char cmd[1024], mof[300];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", schema_repo, d->repo);
	if (system(cmd) != 0) {
		fprintf(stderr, "wmidrun: cannot copy %s\n", schema_repo);
		return -1;
	}
	if (mof_text == NULL) {
		return 0;
	}
	snprintf(mof, sizeof(mof), "%s/extra.mof", d->dir);
	if (write_text(mof, mof_text) != 0) {
		return -1;
	}
	{
		char *argv[] = { (char *)mofcomp, "-offline", d->repo, mof,
			         NULL };

		return run(argv, NULL);
	}
}

int wmidrun_add_user(struct wmidrun *d,
                     const char *wmiuser,
                     const char *user,
                     const char *pw,
                     const char *group)
{
	char line[256];
	char *argv[] = { (char *)wmiuser, "--state-dir", d->dir,        "add",
		         (char *)user,    "--group",     (char *)group, NULL };

	if (group == NULL) {
		argv[5] = NULL;
	}
	snprintf(line, sizeof(line), "%s\n", pw);
	return run(argv, line);
}

/* Reads the exporter port from the "ready" log line; 0 if not there. */
static uint16_t ready_port(const struct wmidrun *d)
{
	FILE *f = fopen(d->log, "r");
	char line[1024];
	uint16_t port = 0;

	if (f == NULL) {
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, "ready: ");
		const char *q = p ? strstr(p, "exporter port ") : NULL;

		if (q != NULL) {
			port = (uint16_t)atoi(q + strlen("exporter port "));
		}
	}
	fclose(f);
	return port;
}

int wmidrun_start(struct wmidrun *d, const char *wmid)
{
	char out[300];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/start.out", d->dir);
	pid = fork();
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execl(wmid, wmid, "--state-dir", d->dir, "--foreground",
		      (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	for (int t = 0; t < 20000; t += 20) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			d->pid = 0;
			fprintf(stderr,
			        "wmidrun: wmid exited during start "
			        "(see %s)\n",
			        out);
			return -1;
		}
		d->exporter_port = ready_port(d);
		if (d->exporter_port != 0) {
			return 0;
		}
		sleep_ms(20);
	}
	fprintf(stderr, "wmidrun: wmid not ready within 20 s\n");
	return -1;
}

int wmidrun_stop(struct wmidrun *d)
{
	int status = 0;

	if (d->pid <= 0) {
		return 0;
	}
	kill(d->pid, SIGTERM);
	for (int t = 0; t < 15000; t += 10) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		sleep_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	fprintf(stderr, "wmidrun: wmid did not stop within 15 s\n");
	return -1;
}

void wmidrun_cleanup(struct wmidrun *d)
{
	char cmd[300];

	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (d->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "wmidrun: cannot remove %s\n", d->dir);
		}
	}
}

long wmidrun_rss_kb(const struct wmidrun *d)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
	f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = atol(line + 6);
		}
	}
	fclose(f);
	return kb;
}
