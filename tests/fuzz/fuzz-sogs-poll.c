/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a community server's answer to one poll (sd_sogs_poll_parse): the input
 * is the batch answer's JSON for two rooms and the inbox and outbox; every
 * entry that comes out must satisfy the documented checks */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-sogs-poll.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const SdSogsRoomCursor rooms[] = {
  { "lobby", 0, 0 },
  { "second", 3, 7 },
};

static void
check_id (const gchar *id)
{
  if (strlen (id) != 66)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(SdSogsPoll) poll = { 0 };
  g_autoptr(GError) error = NULL;

  if (!sd_sogs_poll_parse ((const gchar *) data, size, rooms, G_N_ELEMENTS (rooms), TRUE, &poll,
                           &error)) {
    if (error == NULL || poll.rooms != NULL)
      abort ();
    return 0;
  }
  if (poll.rooms == NULL || poll.rooms->len != G_N_ELEMENTS (rooms) || poll.inbox == NULL ||
      poll.outbox == NULL)
    abort ();
  for (guint r = 0; r < poll.rooms->len; r++) {
    SdSogsRoomPoll *room = poll.rooms->pdata[r];

    if (room->messages == NULL || room->messages->len > SD_SOGS_PAGE_MAX)
      abort ();
    for (guint i = 0; i < room->messages->len; i++) {
      SdSogsMessage *m = room->messages->pdata[i];

      if (!m->reactions_only || m->session_id[0] != '\0')
        check_id (m->session_id);
      if (m->id < 1 || m->seqno > room->max_seqno ||
          (m->reactions_only && (m->deleted || m->data != NULL)) ||
          (!m->reactions_only && m->deleted != (m->data == NULL)) ||
          (m->data == NULL) != (m->signature == NULL) ||
          m->reactions == NULL || m->reactions->len > SD_SOGS_REACTIONS_MAX)
        abort ();
    }
  }
  for (guint i = 0; i < poll.inbox->len; i++) {
    SdSogsDm *dm = poll.inbox->pdata[i];

    check_id (dm->sender);
    check_id (dm->recipient);
    if (dm->message == NULL || dm->id < 1)
      abort ();
  }
  return 0;
}
