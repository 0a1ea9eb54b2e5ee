/*
 * checkin.h — the daily check-in's vocabulary and rules (docs/insights.md): item
 * and feeling names, which days may be written, and the shape of an
 * encrypted note. Pure; the item numbering is the insights engine's
 * (enum insights_item), so a visibility mask means the same everywhere.
 */
#ifndef DYAD_CHECKIN_H
#define DYAD_CHECKIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/insights.h"

enum {
    CHECKIN_SCORES = 7,        /* closeness … sexual: the 0–10 items, in insights_item order */
    CHECKIN_DAYS_BACK = 7,     /* editable for the day and the 7 before it */
    CHECKIN_DAYS_AHEAD = 1,    /* time zones ahead of UTC */
    CHECKIN_NOTE_MAX = 4096,   /* padded plaintext bytes */
    CHECKIN_NOTE_OVERHEAD = 40 /* nonce 24 + tag 16 */
};

/* Items a member can show the partner: every check-in item but the note. */
#define CHECKIN_SHOWABLE (INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT))

/* enum insights_item for a check-in item name ("closeness", "emotions", …),
 * or -1. */
int checkin_item_from_name(const char *name);

/* The name of check-in item i (insights_item_name), NULL for one that is
 * not a check-in item (comfort) or out of range. */
const char *checkin_item_name(int i);

/* enum insights_emotion for a feeling name ("joy", …), or -1. */
int checkin_emotion_from_name(const char *name);
const char *checkin_emotion_name(int e);

/* May a check-in for `day` be written when the server's UTC date is today? */
bool checkin_day_writable(long day, long today);

/* Is n a possible size of an encrypted note (nonce ‖ ciphertext of text
 * padded to a multiple of 64, at most CHECKIN_NOTE_MAX)? */
bool checkin_note_size_ok(size_t n);

#endif
