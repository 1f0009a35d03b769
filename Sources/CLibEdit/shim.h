#ifndef TDMOCK_CLIBEDIT_SHIM_H
#define TDMOCK_CLIBEDIT_SHIM_H

// libedit's readline interface, wrapped in plain functions: the variadic and global parts of it are not
// usable from Swift 6 directly. Only the console's terminal thread calls these.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

// The line the callback interface completed: set by tdm_handler, taken by tdm_read_char.
static char *tdm_completed_line = NULL;
static int tdm_line_done = 0;

// Completion candidates (slash commands, conversation ids), replaced by tdm_set_candidates.
static char **tdm_candidates = NULL;
static int tdm_candidate_count = 0;

static void tdm_handler(char *line) {
    tdm_completed_line = line;
    tdm_line_done = 1;
}

static char *tdm_generator(const char *text, int state) {
    static int index;
    static size_t length;
    if (state == 0) {
        index = 0;
        length = strlen(text);
    }
    while (index < tdm_candidate_count) {
        const char *candidate = tdm_candidates[index++];
        if (strncmp(candidate, text, length) == 0) return strdup(candidate);
    }
    return NULL;
}

/// Starts (or restarts, after a line) the callback interface with this prompt.
static inline void tdm_install(const char *prompt) {
    rl_completion_entry_function = tdm_generator;
    rl_basic_word_break_characters = " \t";
    rl_callback_handler_install(prompt, tdm_handler);
}

static inline void tdm_remove(void) { rl_callback_handler_remove(); }

/// Reads what is available for one key; returns 1 when a line is complete (`*line` is it, to free; NULL at end of input).
static inline int tdm_read_char(char **line) {
    rl_callback_read_char();
    if (!tdm_line_done) return 0;
    tdm_line_done = 0;
    *line = tdm_completed_line;
    tdm_completed_line = NULL;
    return 1;
}

/// Replaces the completion candidates (copied).
static inline void tdm_set_candidates(const char **candidates, int count) {
    for (int i = 0; i < tdm_candidate_count; i++) free(tdm_candidates[i]);
    free(tdm_candidates);
    tdm_candidates = count > 0 ? (char **)calloc((size_t)count, sizeof(char *)) : NULL;
    tdm_candidate_count = tdm_candidates ? count : 0;
    for (int i = 0; i < tdm_candidate_count; i++) tdm_candidates[i] = strdup(candidates[i]);
}

/// Prints text above the line being edited, then redraws the prompt and the half-typed line as they were.
static inline void tdm_print_above(const char *text) {
    FILE *out = rl_outstream ? rl_outstream : stdout;
    fputs("\r\033[K", out);
    fputs(text, out);
    fflush(out);
    rl_forced_update_display();
}

static inline void tdm_add_history(const char *line) { add_history(line); }
static inline int tdm_read_history(const char *path) { return read_history(path); }
static inline int tdm_write_history(const char *path) { return write_history(path); }
static inline void tdm_stifle_history(int max) { stifle_history(max); }
static inline void tdm_using_history(void) { using_history(); }

#endif
