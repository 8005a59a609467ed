-- The demo's orders database. No index on customer_id on purpose: the orders table grows
-- all the time, so the per-customer query scans more rows each minute and slowly gets slower,
-- the drift the forecaster is meant to see coming.
CREATE TABLE IF NOT EXISTS orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL,
  amount numeric(10, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
