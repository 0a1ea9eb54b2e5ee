/*
 * vocab.h — the words a person reads for each of the API's vocabularies:
 * share topics, depths 1–5, dyad kinds, feelings of a check-in, and the
 * kinds of response to a share.
 *
 * The names themselves (the wire values) live with the code that checks
 * them: topics and kinds in prompts.h, feelings in checkin.h, response
 * kinds here. This file adds, for each value, one label and sometimes a
 * hint, and is the only place those words are kept: the browser gets them
 * as the generated module /static/js/vocab.js (tools/vocab.c writes it at
 * build time from these tables), so the server and the client cannot drift
 * apart.
 */
#ifndef DYAD_VOCAB_H
#define DYAD_VOCAB_H

/* What a person reads for one value. hint may be NULL. */
struct vocab_word {
    const char *label;
    const char *hint;
};

/* Response kinds, in API order. */
enum vocab_response {
    VOCAB_RESPONSE_UNDERSTOOD,
    VOCAB_RESPONSE_MAKES_SENSE,
    VOCAB_RESPONSE_WITH_YOU,
    VOCAB_RESPONSE__MAX
};

/* The words for topic t (enum prompts_topic), depth d (1–5), kind k (enum
 * prompts_kind), feeling e (enum insights_emotion) and response kind r;
 * NULL when out of range. */
const struct vocab_word *vocab_topic(int t);
const struct vocab_word *vocab_depth(int d);
const struct vocab_word *vocab_kind(int k);
const struct vocab_word *vocab_emotion(int e);
const struct vocab_word *vocab_response(int r);

/* How a share is revealed: "now", or "mutual" (once both answered). */
enum vocab_reveal { VOCAB_REVEAL_NOW, VOCAB_REVEAL_MUTUAL, VOCAB_REVEAL__MAX };
const char *vocab_reveal_name(int r);

/* What an entry is: "share", "response", "note" (a check-in's note). */
enum vocab_entry { VOCAB_ENTRY_SHARE, VOCAB_ENTRY_RESPONSE, VOCAB_ENTRY_NOTE, VOCAB_ENTRY__MAX };
const char *vocab_entry_kind_name(int e);

/* "understood", "makes_sense", "with_you"; NULL when out of range. */
const char *vocab_response_name(int r);
/* enum vocab_response for a name, or -1. */
int vocab_response_from_name(const char *name);

#endif
