-- 008 (PostgreSQL twin of ../008_kind.sql): a member's family role (0 not
-- said, 1 parent, 2 child, 3 sibling, 4 grandparent, 5 grandchild, 6 other)
-- and whether they show the other member their comfort levels.
ALTER TABLE dyad_members ADD COLUMN family_role INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dyad_members ADD COLUMN show_comfort INTEGER NOT NULL DEFAULT 0;
