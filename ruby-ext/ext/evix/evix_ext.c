/* evix_ext.c - the extension's entry point: Evix and its classes. */
#include "evix_ext.h"

VALUE evix_mEvix;
VALUE evix_eError;

RUBY_FUNC_EXPORTED void
Init_evix_ext(void)
{
  evix_mEvix = rb_define_module("Evix");
  evix_eError = rb_define_class_under(evix_mEvix, "Error", rb_eStandardError);
  rb_define_const(evix_mEvix, "LIBEV_VERSION",
                  rb_sprintf("%d.%d", ev_version_major(),
                             ev_version_minor()));
  rb_define_const(evix_mEvix, "LIBRARY_VERSION",
                  rb_str_new_cstr(evix_version()));

  evix_rb_init_loop();
  evix_rb_init_watcher();
  evix_rb_init_io();
  evix_rb_init_timer();
  evix_rb_init_watchers();
  evix_rb_init_scheduler();
}
