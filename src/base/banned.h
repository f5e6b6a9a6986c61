/*
 * banned.h: functions no OpenWMI source may call (force-included; STYLE.md
 * section 13).  Each is replaced by a macro that fails to compile.
 */
#ifndef OWMI_BASE_BANNED_H
#define OWMI_BASE_BANNED_H

/*
 * The system headers that declare the banned names come first, so their
 * declarations are seen before the macros exist.
 */
#include <alloca.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OWMI_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) OWMI_BANNED(strcpy)
#undef strcat
#define strcat(x, y) OWMI_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) OWMI_BANNED(strncpy)
#undef sprintf
#define sprintf(...) OWMI_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) OWMI_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) OWMI_BANNED(strtok)
#undef gmtime
#define gmtime(t) OWMI_BANNED(gmtime)
#undef localtime
#define localtime(t) OWMI_BANNED(localtime)
#undef ctime
#define ctime(t) OWMI_BANNED(ctime)
#undef asctime
#define asctime(t) OWMI_BANNED(asctime)
#undef mktemp
#define mktemp(t) OWMI_BANNED(mktemp)
#undef alloca
#define alloca(n) OWMI_BANNED(alloca)

#endif
