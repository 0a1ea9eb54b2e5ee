/*
 * kind.c — words and rules by kind of dyad (see kind.h).
 */
#include "core/kind.h"

#include <string.h> /* strcmp */

static const char *const kind_roles[KIND_ROLE__MAX] = {
    [KIND_ROLE_NONE] = NULL,
    [KIND_ROLE_PARENT] = "parent",
    [KIND_ROLE_CHILD] = "child",
    [KIND_ROLE_SIBLING] = "sibling",
    [KIND_ROLE_GRANDPARENT] = "grandparent",
    [KIND_ROLE_GRANDCHILD] = "grandchild",
    [KIND_ROLE_OTHER] = "other",
};

const char *kind_role_name(int role)
{
    return role >= 0 && role < KIND_ROLE__MAX ? kind_roles[role] : NULL;
}

int kind_role_from_name(const char *name)
{
    for (int r = 0; name != NULL && r < KIND_ROLE__MAX; r++)
        if (kind_roles[r] != NULL && strcmp(name, kind_roles[r]) == 0)
            return r;
    return -1;
}

int kind_role_counterpart(int role)
{
    static const int other[KIND_ROLE__MAX] = {
        [KIND_ROLE_NONE] = KIND_ROLE_NONE,
        [KIND_ROLE_PARENT] = KIND_ROLE_CHILD,
        [KIND_ROLE_CHILD] = KIND_ROLE_PARENT,
        [KIND_ROLE_SIBLING] = KIND_ROLE_SIBLING,
        [KIND_ROLE_GRANDPARENT] = KIND_ROLE_GRANDCHILD,
        [KIND_ROLE_GRANDCHILD] = KIND_ROLE_GRANDPARENT,
        [KIND_ROLE_OTHER] = KIND_ROLE_OTHER,
    };
    return role >= 0 && role < KIND_ROLE__MAX ? other[role] : -1;
}

const char *kind_other_words(int kind, int other_role)
{
    switch (kind) {
    case 0:
        return "your partner";
    case 1:
        return "your friend";
    case 2:
        switch (other_role) {
        case KIND_ROLE_PARENT:
            return "your parent";
        case KIND_ROLE_CHILD:
            return "your child";
        case KIND_ROLE_SIBLING:
            return "your sibling";
        case KIND_ROLE_GRANDPARENT:
            return "your grandparent";
        case KIND_ROLE_GRANDCHILD:
            return "your grandchild";
        default:
            return "your family member";
        }
    default:
        return "the other person";
    }
}

bool kind_desire_open(int kind, bool opted_in_0, bool opted_in_1)
{
    return kind == 0 && opted_in_0 && opted_in_1;
}

_Static_assert(KIND_ROLE_PARENT == 1 && KIND_ROLE_CHILD == 2 && KIND_ROLE_SIBLING == 3 &&
                   KIND_ROLE_GRANDPARENT == 4 && KIND_ROLE_GRANDCHILD == 5,
               "kind roles are numbered as prompts roles (core/prompts.h) and the store's");
