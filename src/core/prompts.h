/*
 * prompts.h — the prompt library: its topics and dyad kinds, and a strict
 * loader for data/prompts.json.
 *
 * This header is the single source of truth for the share topics and the
 * dyad kinds: share validation, the check-in API, comfort settings and the
 * pacing engine all go through the name <-> enum functions below rather than
 * keeping lists of their own.
 *
 * The loader is pure: it parses a buffer the caller hands it (the embedded
 * copy of data/prompts.json in the server, a file read by a test) and never
 * touches the disk. It rejects the whole library on the first problem, with a
 * message that names the entry and the field, because a half-loaded library
 * would silently break the coverage the pacing engine relies on.
 */
#ifndef DYAD_PROMPTS_H
#define DYAD_PROMPTS_H

#include <stdbool.h>
#include <stddef.h>

/* Share topics, in the order the API documents them. `desire` is for couples
 * only (see prompts_topic_allows_kind). */
enum prompts_topic {
    PROMPTS_TOPIC_EVERYDAY,
    PROMPTS_TOPIC_JOY,
    PROMPTS_TOPIC_FEAR,
    PROMPTS_TOPIC_FRUSTRATION,
    PROMPTS_TOPIC_SORROW,
    PROMPTS_TOPIC_ANGER,
    PROMPTS_TOPIC_FAILURE,
    PROMPTS_TOPIC_EMBARRASSMENT,
    PROMPTS_TOPIC_INADEQUACY,
    PROMPTS_TOPIC_HOPE,
    PROMPTS_TOPIC_GRATITUDE,
    PROMPTS_TOPIC_US,
    PROMPTS_TOPIC_DESIRE,
    PROMPTS_TOPIC__MAX
};

/* The three kinds of dyad. Only a couple may use `desire` or track sexual
 * connection. */
enum prompts_kind {
    PROMPTS_KIND_COUPLE,
    PROMPTS_KIND_FRIENDS,
    PROMPTS_KIND_FAMILY,
    PROMPTS_KIND__MAX
};

/* The family member a prompt is written for, from its optional "for" field:
 * the one who answers it (a prompt "for" a parent asks the parent, about
 * their child). Only family prompts may have one. PROMPTS_ROLE_NONE means no
 * "for": the prompt suits anyone. */
enum prompts_role {
    PROMPTS_ROLE_NONE,
    PROMPTS_ROLE_PARENT,
    PROMPTS_ROLE_CHILD,
    PROMPTS_ROLE_SIBLING,
    PROMPTS_ROLE_GRANDPARENT,
    PROMPTS_ROLE_GRANDCHILD,
    PROMPTS_ROLE__MAX
};

/* Every prompt at depth 4 or 5 carries the gentle opt-out in its text, in
 * words that contain exactly this phrase (e.g. "Share only as much as feels
 * right."); the loader refuses a deep prompt without it. */
#define PROMPTS_OPT_OUT "only as much as feels right"

/* Wildcards for prompts_filter. */
enum {
    PROMPTS_TOPIC_ANY = -1,
    PROMPTS_KIND_ANY = -1,
    PROMPTS_DEPTH_ANY = 0,
    PROMPTS_ROLE_ANY = -1, /* for prompts_suits_role: no filter at all */
};

/* Limits of a library entry. Depth measures vulnerability: 1 everyday, 2
 * preferences and feelings, 3 real feelings with some risk, 4 failures,
 * embarrassment, inadequacy and fears about the relationship, 5 the most
 * vulnerable. */
enum {
    PROMPTS_DEPTH_MIN = 1,
    PROMPTS_DEPTH_MAX = 5,
    PROMPTS_TEXT_MAX = 400, /* bytes of UTF-8 */
    PROMPTS_ID_MAX = 48,    /* bytes; [a-z0-9-], starting with a letter or digit */
};

/* Coverage every shipped or operator-edited library must meet, for every
 * topic x kind the topic allows: at least PROMPTS_COVER_SHALLOW prompts at
 * each of depths 1-3 and PROMPTS_COVER_DEEP at each of depths 4-5. It is what
 * lets the pacing engine always find something at the depth it settles on. */
enum {
    PROMPTS_COVER_SHALLOW = 3,
    PROMPTS_COVER_DEEP = 1,
};

/* Bit for a kind in struct prompt.kinds. */
#define PROMPTS_KIND_BIT(k) (1u << (unsigned)(k))
/* Bit for a topic in a topic mask (see pacing_pick_prompt). */
#define PROMPTS_TOPIC_BIT(t) (1u << (unsigned)(t))
#define PROMPTS_TOPIC_ALL    ((1u << PROMPTS_TOPIC__MAX) - 1u)

struct prompt {
    char id[PROMPTS_ID_MAX + 1];
    enum prompts_topic topic;
    int depth;                  /* PROMPTS_DEPTH_MIN..PROMPTS_DEPTH_MAX */
    unsigned kinds;             /* PROMPTS_KIND_BIT() of each kind it suits; never 0 */
    char *text;                 /* NUL-terminated UTF-8, owned by the library */
    enum prompts_role for_role; /* who it is written for; PROMPTS_ROLE_NONE = anyone */
    bool support; /* could hurt without support: the composer shows a support line, the
                     guided conversation never uses it */
};

/* A loaded library. Entries keep the order of the file, so every listing
 * and every pick built on it is deterministic. */
struct prompt_library {
    int version;
    struct prompt *items;
    size_t count;
    size_t *by_id; /* indexes into items, sorted by id, for prompts_find */
    /* items, their texts and by_id belong to someone else (the library
     * compiled into the binary, prompts_builtin in core/embedded.h):
     * prompts_free only zeroes the struct */
    bool borrowed;
};

/* Topic name ("everyday", "joy", ...) to its enum value, or -1 when the name
 * is not a topic. Exact, case-sensitive match: the API and the data file use
 * these names verbatim. */
int prompts_topic_from_name(const char *name);

/* The name of a topic, or NULL when t is out of range. */
const char *prompts_topic_name(int t);

/* Kind name ("couple", "friends", "family") to its enum value, or -1. */
int prompts_kind_from_name(const char *name);

/* The name of a kind, or NULL when k is out of range. */
const char *prompts_kind_name(int k);

/* Role name ("parent", "child", "sibling", "grandparent", "grandchild") to
 * its enum value, or -1 ("none" is not a name: it is the absence of "for"). */
int prompts_role_from_name(const char *name);

/* The name of a role, or NULL for PROMPTS_ROLE_NONE and out of range. */
const char *prompts_role_name(int r);

/* Whether a member with `role` is offered prompt p: a prompt with no "for"
 * suits everyone; one "for" a role suits only a member with that role, so a
 * member whose role is PROMPTS_ROLE_NONE (not known) gets only prompts for
 * anyone. PROMPTS_ROLE_ANY lets every prompt through. */
bool prompts_suits_role(const struct prompt *p, int role);

/* Whether a dyad of kind k may use topic t: every topic suits every kind
 * except `desire`, which is for couples only. False when either is out of
 * range. */
bool prompts_topic_allows_kind(int t, int k);

/* Parses and validates a library from json[0..len).
 *
 * The shape is {"version":1,"retired":[ids...],"prompts":[{"id","topic",
 * "depth","kinds","text","for","support"},...]}; "retired", "for" and
 * "support" are optional, every other field is required, and no other field
 * is allowed, at either level. Each entry must have a unique id of [a-z0-9-]
 * (1-48 bytes, not starting with '-') that is not in "retired" (an id is never
 * reused for another text), a known topic, a depth 1-5, a non-empty list of
 * distinct known kinds (only "couple" for `desire`), and a text of 1-400 bytes
 * that is not only white space, holds no control characters and, at depth 4
 * or 5, contains PROMPTS_OPT_OUT. "for" is a role name and only allowed when
 * kinds is exactly ["family"]; "support" is a boolean. The library as a whole
 * must meet the coverage rule above.
 *
 * Returns 0 and fills *lib (release it with prompts_free), or -1 with *lib
 * zeroed and a message in err such as
 *   prompts[12] (id "p-joy-1-003"): unknown topic "joyy"
 *   coverage: topic "fear" for kind "family" has 2 prompts at depth 3, needs 3
 * err may be NULL when errlen is 0. */
int prompts_load(struct prompt_library *lib, const char *json, size_t len, char *err,
                 size_t errlen);

/* prompts_load in its two steps. prompts_parse applies every rule above but
 * the coverage rule (a library of any size, even none, passes it), with the
 * same results and messages; prompts_check_coverage applies the coverage
 * rule to a parsed library and returns 0, or -1 with the message in err.
 * prompts_load is exactly the one and then the other, freeing *lib when
 * coverage fails. They exist so that fuzz_prompts can reach a loaded library
 * from an input of a few hundred bytes: every library that meets the
 * coverage rule is tens of kilobytes. */
int prompts_parse(struct prompt_library *lib, const char *json, size_t len, char *err,
                  size_t errlen);
int prompts_check_coverage(const struct prompt_library *lib, char *err, size_t errlen);

/* Releases what prompts_load allocated and zeroes *lib; safe on a zeroed or
 * already-freed library, and on a borrowed one (it is only zeroed). */
void prompts_free(struct prompt_library *lib);

/* The entry with this id, or NULL. O(log n). */
const struct prompt *prompts_find(const struct prompt_library *lib, const char *id);

/* Whether prompt p suits kind k. */
bool prompts_has_kind(const struct prompt *p, int k);

/* Writes to out[0..max) the entries that suit kind (or PROMPTS_KIND_ANY),
 * have topic (or PROMPTS_TOPIC_ANY) and depth (or PROMPTS_DEPTH_ANY), in
 * library order. Returns how many entries match in total, which may be more
 * than max (like snprintf), so a caller can size a second call; out may be
 * NULL when max is 0. */
size_t prompts_filter(const struct prompt_library *lib, int kind, int topic, int depth,
                      const struct prompt **out, size_t max);

#endif
