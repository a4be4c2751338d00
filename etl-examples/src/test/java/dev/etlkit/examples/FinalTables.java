package dev.etlkit.examples;

import dev.etlkit.core.RecordAccounting;
import dev.etlkit.scd.Scd2Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The final tables of one run of the reference job, in a form two runs can be compared in: what a
 * sink of each output holds once the bounded input is consumed, whatever order the records came in.
 *
 * @param revenue the last running total per customer
 * @param customers the customers table the normalized changelog materializes to
 * @param dimension the SCD Type 2 history, one row per version
 * @param enrichedOrders the multiset of enriched orders: each order's text and how often it came
 * @param deadLetters dead-letter counts by step and error class
 * @param accounting the record accounting, one line per step
 */
record FinalTables(
    SortedMap<String, CustomerRevenue> revenue,
    SortedMap<String, Customer> customers,
    List<Scd2Row<Customer>> dimension,
    SortedMap<String, Long> enrichedOrders,
    SortedMap<String, Long> deadLetters,
    SortedMap<String, String> accounting) {

  /** How many differences {@link #differencesFrom} lists per table. */
  private static final int SHOWN = 5;

  static FinalTables of(OrdersRun run) {
    SortedMap<String, Long> enriched = new TreeMap<>();
    for (EnrichedOrder order : run.enrichedOrders()) {
      enriched.merge(comparable(order), 1L, Long::sum);
    }
    SortedMap<String, String> accounting = new TreeMap<>();
    for (RecordAccounting.StepCounts step : run.accounting().steps()) {
      accounting.put(step.pipeline() + "/" + step.step(), step.toString());
    }
    return new FinalTables(
        run.finalRevenue(),
        run.finalCustomers(),
        run.finalDimension(),
        enriched,
        run.deadLettersByReason(),
        accounting);
  }

  /** These tables without the record accounting (after a restart it is the last attempt's). */
  FinalTables withoutAccounting() {
    return new FinalTables(
        revenue, customers, dimension, enrichedOrders, deadLetters, new TreeMap<>());
  }

  /** These tables without the accounting and dead letters of one step of the orders pipeline. */
  FinalTables withoutOrdersStep(String step) {
    SortedMap<String, Long> letters = new TreeMap<>(deadLetters);
    letters.keySet().removeIf(reason -> reason.startsWith(OrdersJob.PIPELINE + "/" + step + ": "));
    SortedMap<String, String> counts = new TreeMap<>(accounting);
    counts.remove(OrdersJob.PIPELINE + "/" + step);
    return new FinalTables(revenue, customers, dimension, enrichedOrders, letters, counts);
  }

  /**
   * What differs between {@code expected} and these tables, a few entries per table, e.g. {@code
   * "dimension: only expected: c-dan v1 ..."}; empty when they are equal.
   */
  List<String> differencesFrom(FinalTables expected) {
    List<String> differences = new ArrayList<>();
    compare("revenue", expected.revenue, revenue, differences);
    compare("customers", expected.customers, customers, differences);
    compare("dimension", asMap(expected.dimension), asMap(dimension), differences);
    compare("enriched orders", expected.enrichedOrders, enrichedOrders, differences);
    compare("dead letters", expected.deadLetters, deadLetters, differences);
    compare("accounting", expected.accounting, accounting, differences);
    return differences;
  }

  private static <V> void compare(
      String table, Map<String, V> expected, Map<String, V> actual, List<String> differences) {
    Set<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    int shown = 0;
    int total = 0;
    for (String key : keys) {
      V want = expected.get(key);
      V got = actual.get(key);
      if (Objects.equals(want, got)) {
        continue;
      }
      total++;
      if (shown++ < SHOWN) {
        differences.add(table + ": " + key + " expected " + want + " but was " + got);
      }
    }
    if (total > SHOWN) {
      differences.add(table + ": " + (total - SHOWN) + " more differences");
    }
  }

  /** The versions by key and valid-from time (what the version id is made of: unique). */
  private static SortedMap<String, Scd2Row<Customer>> asMap(List<Scd2Row<Customer>> rows) {
    SortedMap<String, Scd2Row<Customer>> byVersion = new TreeMap<>();
    for (Scd2Row<Customer> row : rows) {
      byVersion.put(row.key() + " " + row.validFrom(), row);
    }
    return byVersion;
  }

  /**
   * An enriched order as comparable text: without the FX lookup's status, which says whether the
   * rate came from a subtask's cache or from the lookup and so depends on which order of a currency
   * a subtask saw first.
   */
  static String comparable(EnrichedOrder o) {
    return new EnrichedOrder(
            o.orderId(),
            o.customerId(),
            o.amount(),
            o.currency(),
            o.orderedAt(),
            o.customerName(),
            o.tier(),
            o.city(),
            o.customerStatus(),
            o.amountEur(),
            null)
        .toString();
  }
}
