package dev.etlkit.examples;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Generated input for the reference job at any size: order events as JSON lines and the Debezium
 * change events of the customers table, in the shapes of the bundled sample, with a chosen share of
 * redelivered (duplicate) and invalid order lines. The same spec always gives the same lines.
 *
 * <p>Time runs forward: every order is placed one second after the previous one, starting at {@link
 * Spec#start()}; the snapshot of all customers comes first (at {@code start}), and one customer
 * changes (tier or city, sometimes a delete and later a re-insert) every {@link
 * Spec#ordersPerChange()} orders. Each event carries its event time and its key, so a test can
 * produce it to Kafka with that timestamp and key (orders keyed by order id, change events by
 * customer id, as a Debezium topic is). A redelivered order repeats an earlier line unchanged a few
 * events later; an invalid line is broken in one of several ways (not JSON, a required field
 * missing, a field of the wrong type), so it is a dead letter of the parse step. Amounts are
 * positive and in EUR, USD, GBP or CHF (the currencies of {@code sample/fx-rates.csv}).
 */
public final class ReferenceData {

  /**
   * What to generate.
   *
   * @param seed the random seed
   * @param orders distinct valid orders
   * @param customers customers in the snapshot
   * @param duplicateShare share of valid orders delivered twice, in [0, 1]
   * @param invalidShare share of invalid lines among all order lines, in [0, 1)
   * @param ordersPerChange orders between two customer changes (at least 1)
   * @param start the time of the snapshot; the first order is one second later
   */
  public record Spec(
      long seed,
      int orders,
      int customers,
      double duplicateShare,
      double invalidShare,
      int ordersPerChange,
      Instant start) {

    public Spec {
      if (orders < 0 || customers < 1 || ordersPerChange < 1) {
        throw new IllegalArgumentException("orders >= 0, customers >= 1, ordersPerChange >= 1");
      }
      if (duplicateShare < 0 || duplicateShare > 1 || invalidShare < 0 || invalidShare >= 1) {
        throw new IllegalArgumentException("duplicateShare in [0, 1], invalidShare in [0, 1)");
      }
    }

    /** {@code orders} valid orders of 1,000 customers, 2% redelivered, none invalid. */
    public static Spec of(int orders) {
      return new Spec(42, orders, 1_000, 0.02, 0.0, 50, Instant.parse("2026-11-02T00:00:00Z"));
    }

    /** This spec with another share of invalid order lines. */
    public Spec withInvalidShare(double share) {
      return new Spec(seed, orders, customers, duplicateShare, share, ordersPerChange, start);
    }

    /** This spec with another share of redelivered orders. */
    public Spec withDuplicateShare(double share) {
      return new Spec(seed, orders, customers, share, invalidShare, ordersPerChange, start);
    }
  }

  /**
   * One event: its line, its event time and its key (the Kafka record key).
   *
   * @param key order id or customer id; null for a broken line without one
   * @param timestamp event time in epoch milliseconds
   * @param line the JSON line
   */
  public record Event(String key, long timestamp, String line) {}

  private static final String[] CURRENCIES = {"EUR", "EUR", "EUR", "USD", "GBP", "CHF"};

  private static final String[] CITIES = {
    "Oslo", "Lyon", "Porto", "Graz", "Wien", "Turku", "Cork", "Gent", "Brno", "Riga", "Bern", "Kiel"
  };

  private final Spec spec;
  private final List<Event> orders;
  private final List<Event> customerChanges;
  private final int invalidLines;
  private final int duplicateLines;

  private ReferenceData(
      Spec spec,
      List<Event> orders,
      List<Event> customerChanges,
      int invalidLines,
      int duplicateLines) {
    this.spec = spec;
    this.orders = List.copyOf(orders);
    this.customerChanges = List.copyOf(customerChanges);
    this.invalidLines = invalidLines;
    this.duplicateLines = duplicateLines;
  }

  /** Generates the events of a spec. */
  public static ReferenceData generate(Spec spec) {
    SplittableRandom random = new SplittableRandom(spec.seed());
    // its own generator, so that the valid lines do not depend on the share of invalid ones
    SplittableRandom broken = new SplittableRandom(~spec.seed());
    long start = spec.start().toEpochMilli();
    long lsn = 10_000_000L;

    List<Event> changes = new ArrayList<>();
    CustomerRow[] rows = new CustomerRow[spec.customers()];
    for (int c = 0; c < rows.length; c++) {
      rows[c] = new CustomerRow(customerId(c), "Customer " + c, "standard", city(random));
      changes.add(change(null, rows[c], "r", start, lsn++, true));
    }

    List<Event> orderEvents = new ArrayList<>();
    List<Event> pendingDuplicates = new ArrayList<>();
    int invalid = 0;
    int duplicates = 0;
    for (int i = 0; i < spec.orders(); i++) {
      long time = start + 1_000L * (i + 1);
      if (i % spec.ordersPerChange() == spec.ordersPerChange() - 1) {
        lsn = changeOneCustomer(random, rows, changes, time - 500, lsn);
      }
      // Orders of unknown customers (about 1%) meet no customer version.
      int customer = random.nextInt(rows.length + rows.length / 100);
      String currency = CURRENCIES[random.nextInt(CURRENCIES.length)];
      BigDecimal amount = BigDecimal.valueOf(100 + random.nextInt(99_900), 2);
      String orderId = "o-" + (1_000_000 + i);
      Event order =
          new Event(
              orderId, time, orderLine(orderId, customerId(customer), amount, currency, time));
      orderEvents.add(order);
      if (!pendingDuplicates.isEmpty() && random.nextInt(4) == 0) {
        orderEvents.add(pendingDuplicates.remove(0));
      }
      if (random.nextDouble() < spec.duplicateShare()) {
        pendingDuplicates.add(order);
        duplicates++;
      }
      // invalidShare of all lines: invalid / (valid + duplicates + invalid) = share
      while (invalid < spec.invalidShare() / (1 - spec.invalidShare()) * (i + 1 + duplicates)) {
        orderEvents.add(invalidLine(broken, invalid, time));
        invalid++;
      }
    }
    orderEvents.addAll(pendingDuplicates);
    return new ReferenceData(spec, orderEvents, changes, invalid, duplicates);
  }

  /** The spec these events were generated from. */
  public Spec spec() {
    return spec;
  }

  /** All order events (valid, redelivered and invalid), in the order a producer sends them. */
  public List<Event> orders() {
    return orders;
  }

  /** All change events of the customers table, in commit order. */
  public List<Event> customerChanges() {
    return customerChanges;
  }

  /** The order lines only. */
  public List<String> orderLines() {
    return orders.stream().map(Event::line).toList();
  }

  /** The change-event lines only. */
  public List<String> customerChangeLines() {
    return customerChanges.stream().map(Event::line).toList();
  }

  /** How many order lines are invalid: each is one dead letter of the parse step. */
  public int invalidLines() {
    return invalidLines;
  }

  /** How many order lines repeat an earlier one: each is dropped by the dedup step. */
  public int duplicateLines() {
    return duplicateLines;
  }

  private record CustomerRow(String id, String name, String tier, String city) {
    CustomerRow with(String tier, String city) {
      return new CustomerRow(id, name, tier, city);
    }
  }

  private static long changeOneCustomer(
      SplittableRandom random, CustomerRow[] rows, List<Event> changes, long time, long lsn) {
    int c = random.nextInt(rows.length);
    CustomerRow before = rows[c];
    int what = random.nextInt(20);
    if (before == null) { // deleted earlier: it comes back
      CustomerRow row = new CustomerRow(customerId(c), "Customer " + c, "standard", city(random));
      rows[c] = row;
      changes.add(change(null, row, "c", time, lsn, false));
    } else if (what == 0) {
      rows[c] = null;
      changes.add(change(before, null, "d", time, lsn, false));
    } else {
      CustomerRow after =
          what % 2 == 0
              ? before.with(before.tier().equals("gold") ? "standard" : "gold", before.city())
              : before.with(before.tier(), city(random));
      rows[c] = after;
      changes.add(change(before, after, "u", time, lsn, false));
    }
    return lsn + 1;
  }

  private static Event change(
      CustomerRow before, CustomerRow after, String op, long time, long lsn, boolean snapshot) {
    String line =
        String.format(
            Locale.ROOT,
            "{\"before\":%s,\"after\":%s,\"source\":{\"version\":\"2.7.3.Final\","
                + "\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":%d,"
                + "\"snapshot\":\"%s\",\"db\":\"shop\",\"schema\":\"public\","
                + "\"table\":\"customers\",\"lsn\":%d},\"op\":\"%s\",\"ts_ms\":%d}",
            json(before),
            json(after),
            time,
            snapshot,
            lsn,
            op,
            time + 40);
    return new Event(after != null ? after.id() : before.id(), time, line);
  }

  private static String json(CustomerRow row) {
    if (row == null) {
      return "null";
    }
    return String.format(
        Locale.ROOT,
        "{\"id\":\"%s\",\"name\":\"%s\",\"tier\":\"%s\",\"city\":\"%s\"}",
        row.id(),
        row.name(),
        row.tier(),
        row.city());
  }

  private static String orderLine(
      String orderId, String customerId, BigDecimal amount, String currency, long time) {
    return String.format(
        Locale.ROOT,
        "{\"orderId\":\"%s\",\"customerId\":\"%s\",\"amount\":%s,\"currency\":\"%s\","
            + "\"orderedAt\":\"%s\"}",
        orderId,
        customerId,
        amount.toPlainString(),
        currency,
        Instant.ofEpochMilli(time));
  }

  private static Event invalidLine(SplittableRandom random, int n, long time) {
    String orderId = "o-bad-" + n;
    String at = Instant.ofEpochMilli(time).toString();
    String line =
        switch (random.nextInt(4)) {
          case 0 -> "{\"orderId\":\"" + orderId + "\",\"customerId\":"; // cut off
          case 1 -> // no customerId
              "{\"orderId\":\""
                  + orderId
                  + "\",\"amount\":1.00,\"currency\":\"EUR\","
                  + "\"orderedAt\":\""
                  + at
                  + "\"}";
          case 2 -> // an amount that is not a number
              "{\"orderId\":\""
                  + orderId
                  + "\",\"customerId\":\"c-1\",\"amount\":\"ten\","
                  + "\"currency\":\"EUR\",\"orderedAt\":\""
                  + at
                  + "\"}";
          default -> "not json at all " + n;
        };
    return new Event(orderId, time, line);
  }

  private static String customerId(int c) {
    return "c-" + c;
  }

  private static String city(SplittableRandom random) {
    return CITIES[random.nextInt(CITIES.length)];
  }
}
