#pragma once

// What the tests' ChildProcess needs from glibc that Swift's Glibc module hides (GNU extensions,
// declared only with _GNU_SOURCE, which the .c file defines). `actions` is a posix_spawn_file_actions_t *.

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `lowest` up.
int fct_test_spawn_add_closefrom(void *actions, int lowest);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path`.
int fct_test_spawn_add_chdir(void *actions, const char *path);

/// pipe2(O_CLOEXEC): a pipe no other child started meanwhile can inherit.
int fct_test_pipe_cloexec(int ends[2]);
