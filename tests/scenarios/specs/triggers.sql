-- Row-level triggers: BEFORE / AFTER INSERT, UPDATE, DELETE with NEW, OLD and TG_OP, WHEN,
-- a BEFORE trigger that changes or skips the row, and errors raised inside a trigger.
CREATE TABLE tr_items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0,
                       touched int NOT NULL DEFAULT 0);
CREATE TABLE tr_log (n serial PRIMARY KEY, op text, item int, detail text);
CREATE FUNCTION tr_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := NEW.touched + 1;
  NEW.name := lower(NEW.name);
  IF NEW.qty < 0 THEN
    RAISE EXCEPTION 'negative quantity % for item %', NEW.qty, NEW.id USING ERRCODE = '22003';
  END IF;
  IF NEW.name = 'skip' THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE FUNCTION tr_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO tr_log (op, item, detail) VALUES (TG_OP, NEW.id, TG_WHEN || ' ' || TG_TABLE_NAME || ' ' || NEW.name);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO tr_log (op, item, detail) VALUES (TG_OP, NEW.id, OLD.qty || ' -> ' || NEW.qty);
  ELSE
    INSERT INTO tr_log (op, item, detail) VALUES (TG_OP, OLD.id, OLD.name);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER tr_items_stamp BEFORE INSERT OR UPDATE ON tr_items
  FOR EACH ROW EXECUTE FUNCTION tr_stamp();
CREATE TRIGGER tr_items_audit AFTER INSERT OR UPDATE OR DELETE ON tr_items
  FOR EACH ROW EXECUTE FUNCTION tr_audit();
CREATE TRIGGER tr_items_big AFTER UPDATE ON tr_items
  FOR EACH ROW WHEN (NEW.qty > 100) EXECUTE FUNCTION tr_audit();
INSERT INTO tr_items (id, name, qty) VALUES (1, 'Apple', 5), (2, 'PEAR', 7), (3, 'skip', 1);
SELECT * FROM tr_items ORDER BY id;
UPDATE tr_items SET qty = qty + 200 WHERE id = 1;
UPDATE tr_items SET qty = 8 WHERE id = 2;
SELECT * FROM tr_items ORDER BY id;
UPDATE tr_items SET qty = -1 WHERE id = 2;
INSERT INTO tr_items (id, name, qty) VALUES (4, 'Fig', -5);
DELETE FROM tr_items WHERE id = 2;
SELECT op, item, detail FROM tr_log ORDER BY n;
CREATE TRIGGER tr_items_stamp BEFORE INSERT ON tr_items FOR EACH ROW EXECUTE FUNCTION tr_stamp();
CREATE TRIGGER tr_bad BEFORE INSERT ON tr_items FOR EACH ROW EXECUTE FUNCTION tr_nosuch();
CREATE FUNCTION tr_not_trigger() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TRIGGER tr_bad BEFORE INSERT ON tr_items FOR EACH ROW EXECUTE FUNCTION tr_not_trigger();
SELECT tr_stamp();
DROP TRIGGER tr_nosuch ON tr_items;
DROP TRIGGER IF EXISTS tr_nosuch ON tr_items;
DROP TRIGGER tr_items_stamp ON tr_items;
INSERT INTO tr_items (id, name, qty) VALUES (5, 'Plum', 1);
SELECT * FROM tr_items ORDER BY id;
DROP TRIGGER tr_items_audit ON tr_items;
DROP TRIGGER tr_items_big ON tr_items;
DROP FUNCTION tr_stamp, tr_audit, tr_not_trigger;
DROP TABLE tr_items, tr_log;
