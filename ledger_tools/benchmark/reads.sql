-- The analysts' reads the benchmark times: on the views, on table copies of the marts, on
-- the views again once the raw tables are indexed (PostgreSQL) and on the copy the job
-- publishes (DuckDB). The same text runs on both engines. `-- key: label` opens a read;
-- {lead_sales_ledger} and the like name a relation, {broker_id}, {month_start},
-- {month_end}, {day} and {day_end} are the selective reads' filters.

-- ledger_total: ledger rows and billed total
select count(*) as row_count, sum(billed_amount) as billed_amount
from {lead_sales_ledger}

-- broker_month: revenue by broker and month
select mortgage_broker_id, date_trunc('month', event_at) as billing_month,
sum(billed_amount) as billed_amount from {lead_sales_ledger}
group by mortgage_broker_id, date_trunc('month', event_at) order by 1, 2

-- balance_check: ledger_balance_check
select * from {ledger_balance_check}

-- account_balances: account_balances
select * from {account_balances}

-- broker_ledger: one broker's ledger for one month
select * from {lead_sales_ledger} where mortgage_broker_id = {broker_id}
and event_at >= timestamp '{month_start}' and event_at < timestamp '{month_end}'
order by event_at, ledger_id

-- broker_entries: one broker's entries for one month
select * from {ledger_entries} where mortgage_broker_id = {broker_id}
and event_at >= timestamp '{month_start}' and event_at < timestamp '{month_end}'
order by event_at, entry_id

-- day_by_deal_type: one day's revenue by deal type
select deal_type, sum(billed_amount) as billed_amount from {lead_sales_ledger}
where event_at >= timestamp '{day}' and event_at < timestamp '{day_end}'
group by deal_type order by deal_type
