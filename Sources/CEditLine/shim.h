/*
 * CEditLine: the parts of libedit's <histedit.h> that DistLabShell uses, made callable from
 * Swift. el_set, el_get and history() are C variadic functions, which Swift cannot call, so
 * each use gets a small fixed-signature wrapper here. Swift 6 also rejects the C globals
 * stdin/stdout/stderr as not concurrency-safe; the accessors below return them instead.
 */
#ifndef DISTLAB_CEDITLINE_SHIM_H
#define DISTLAB_CEDITLINE_SHIM_H

#include <histedit.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Standard streams, for el_init and for writing beside the editor. */
static inline FILE *cel_stdin(void) { return stdin; }
static inline FILE *cel_stdout(void) { return stdout; }
static inline FILE *cel_stderr(void) { return stderr; }

/* Callback shapes that libedit takes through its variadic setters. */
typedef char *(*cel_prompt_fn)(EditLine *);
typedef unsigned char (*cel_command_fn)(EditLine *, int);

/* el_set wrappers. Each returns 0 on success, -1 on failure, like el_set. */
static inline int cel_set_editor(EditLine *el, const char *mode) {
  return el_set(el, EL_EDITOR, mode);
}

/* Lets libedit install its handlers for SIGINT, SIGTSTP, SIGWINCH, ... while el_gets runs. */
static inline int cel_set_signal_handling(EditLine *el, int on) {
  return el_set(el, EL_SIGNAL, on);
}

/* The prompt callback; characters between two `esc` characters are printed but take no
   width, so ANSI colour sequences wrapped that way keep the cursor maths right. */
static inline int cel_set_prompt_esc(EditLine *el, cel_prompt_fn fn, char esc) {
  return el_set(el, EL_PROMPT_ESC, fn, (int)esc);
}

static inline int cel_set_history(EditLine *el, History *h) {
  return el_set(el, EL_HIST, history, h);
}

static inline int cel_set_clientdata(EditLine *el, void *data) {
  return el_set(el, EL_CLIENTDATA, data);
}

static inline void *cel_get_clientdata(EditLine *el) {
  void *data = NULL;
  if (el_get(el, EL_CLIENTDATA, &data) != 0) {
    return NULL;
  }
  return data;
}

/* Registers a named editor command implemented by `fn`. */
static inline int cel_add_function(EditLine *el, const char *name, const char *help,
                                   cel_command_fn fn) {
  return el_set(el, EL_ADDFN, name, help, fn);
}

/* Binds a key sequence (libedit notation, e.g. "^I") to a named editor command. */
static inline int cel_bind(EditLine *el, const char *keys, const char *command) {
  return el_set(el, EL_BIND, keys, command, NULL);
}

/* Changes one terminal flag for edit mode only, e.g. "-isig" (like `setty -d -isig`). */
static inline int cel_setty_edit_mode(EditLine *el, const char *flag) {
  return el_set(el, EL_SETTY, "-d", flag, NULL);
}

/* A prompt to return when no other is at hand; libedit must never get NULL. */
static inline char *cel_empty_prompt(void) {
  static char empty[1] = {0};
  return empty;
}

/* Redraws the prompt and line from scratch, assuming the cursor is at a line start. */
static inline int cel_refresh(EditLine *el) {
  return el_set(el, EL_REFRESH);
}

/* The width of the terminal behind `fd`, or 0 when it is not one. */
static inline int cel_window_columns(int fd) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) {
    return 0;
  }
  return ws.ws_col;
}

/* The terminal width libedit works with, or 0 when unknown. */
static inline int cel_terminal_columns(EditLine *el) {
  int columns = 0;
  if (el_get(el, EL_GETTC, "co", &columns, NULL) != 0) {
    return 0;
  }
  return columns;
}

/* history() wrappers. Each returns -1 on failure, like history(); other values vary by
   operation (H_ENTER returns 1 for a new entry, H_LOAD the number of entries read). */
static inline int cel_history_set_size(History *h, HistEvent *ev, int size) {
  return history(h, ev, H_SETSIZE, size);
}

static inline int cel_history_set_unique(History *h, HistEvent *ev, int unique) {
  return history(h, ev, H_SETUNIQUE, unique);
}

/* Adds a new, most recent entry. */
static inline int cel_history_enter(History *h, HistEvent *ev, const char *line) {
  return history(h, ev, H_ENTER, line);
}

/* Fetches the most recent entry into ev->str. */
static inline int cel_history_first(History *h, HistEvent *ev) {
  return history(h, ev, H_FIRST);
}

/* Reads a history file; returns the number of entries read, or -1. */
static inline int cel_history_load(History *h, HistEvent *ev, const char *path) {
  return history(h, ev, H_LOAD, path);
}

/* Writes the whole history to a file, replacing it. */
static inline int cel_history_save(History *h, HistEvent *ev, const char *path) {
  return history(h, ev, H_SAVE, path);
}

/* Writes every entry to an open stream, oldest first. The file header is written only when
   the stream is at offset 0, so a one-entry history saved to a file opened for appending
   adds exactly that entry. (H_NSAVE_FP is not used: libedit 3.1-20221030 writes one entry
   more than asked.) */
static inline int cel_history_save_stream(History *h, HistEvent *ev, FILE *fp) {
  return history(h, ev, H_SAVE_FP, fp);
}

#endif
