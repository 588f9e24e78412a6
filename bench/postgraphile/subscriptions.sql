-- The PostGraphile peer's realtime path (bench/fanout.py --peer postgraphile): every
-- product event the project commits is told with NOTIFY on the channels `product:<id>`
-- and `product:<id>:<TYPE>` (a subscriber of one type listens to that one only), from the
-- same transaction (PostgreSQL delivers it at commit), carrying what the
-- subscription answers besides the product. PostGraphile LISTENs once per topic and runs
-- each subscriber's plan for each event (its documented LISTEN/NOTIFY subscriptions).
CREATE OR REPLACE FUNCTION bench_pgl.notify_product_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  event_type text := upper(replace(NEW.type, 'product.', ''));
  payload text := json_build_object(
    'cursor', 'pgl:' || NEW.id,
    'type', event_type,
    'occurredAt', NEW.occurred_at,
    'productId', NEW.product_id
  )::text;
BEGIN
  PERFORM pg_notify('product:' || NEW.product_id, payload);
  PERFORM pg_notify('product:' || NEW.product_id || ':' || event_type, payload);
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS bench_pgl_notify ON public.events_productevent;
CREATE TRIGGER bench_pgl_notify AFTER INSERT ON public.events_productevent
  FOR EACH ROW EXECUTE FUNCTION bench_pgl.notify_product_event();
