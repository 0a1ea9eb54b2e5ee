/*
 * kind.h — what the kind of a dyad (a couple, two friends, two family
 * members) changes: how one member is named to the other, family roles, and
 * who may be offered anything about sex.
 *
 * Pure: no I/O, no allocation. Friends and family never read "partner" or
 * anything about sex; these functions are the one place the words and the
 * rule are chosen, for the insights engine and the handlers alike.
 *
 * Kinds are numbered as enum prompts_kind (and enum dyad_kind in the store):
 * 0 couple, 1 friends, 2 family.
 */
#ifndef DYAD_KIND_H
#define DYAD_KIND_H

#include <stdbool.h>

/* A family member's role, said at pairing (or never): who is who. */
enum kind_role {
    KIND_ROLE_NONE, /* not said */
    KIND_ROLE_PARENT,
    KIND_ROLE_CHILD,
    KIND_ROLE_SIBLING,
    KIND_ROLE_GRANDPARENT,
    KIND_ROLE_GRANDCHILD,
    KIND_ROLE_OTHER, /* family, in some other way */
    KIND_ROLE__MAX
};

/* "parent", "child", "sibling", "grandparent", "grandchild", "other";
 * NULL for KIND_ROLE_NONE or out of range. */
const char *kind_role_name(int role);
/* enum kind_role for a name above, or -1. */
int kind_role_from_name(const char *name);
/* The other member's role when one member has `role`: parent <-> child,
 * grandparent <-> grandchild, sibling <-> sibling, other <-> other, none
 * <-> none; -1 when out of range. */
int kind_role_counterpart(int role);

/* How the viewer is told about the other member, lower case, when no name
 * is at hand: "your partner" (couple), "your friend" (friends), "your
 * family member" (family), or in a family with a role said, "your parent",
 * "your child", "your sibling", "your grandparent", "your grandchild". An
 * unknown kind gives "the other person". Never NULL. */
const char *kind_other_words(int kind, int other_role);

/* Whether the topic `desire` and its prompts may be offered in a dyad of
 * `kind` whose members opted in (or not) to sexual tracking: only in a
 * couple where both did. Sex comes up only by both people's choice. */
bool kind_desire_open(int kind, bool opted_in_0, bool opted_in_1);

#endif
