/* event_own_init_def.c - a program's own event_init, as curvedns and
 * unclutter-xfixes have one: a global function of that name with its own
 * signature, in a file that does not include event.h. */

int event_init(void);
int own_event_init_calls(void);
int call_own_event_init(void);

static int calls;

int
event_init(void)
{
  ++calls;
  return 4242;
}

int
own_event_init_calls(void)
{
  return calls;
}

/* Calls event_init as this program sees it. */
int
call_own_event_init(void)
{
  return event_init();
}
