package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Prints the example's results and writes them to files. Console output carries counts and reasons,
 * never payloads; the dead-letter file stands in for a real dead-letter sink and keeps them.
 */
final class OrdersReport {

  static final String REVENUE_FILE = "revenue.csv";
  static final String DEAD_LETTERS_FILE = "dead-letters.csv";
  static final String ACCOUNTING_FILE = "accounting.txt";
  static final String STATE_INVENTORY_FILE = "state-inventory.txt";
  static final String CUSTOMERS_FILE = "customers-changelog.csv";
  static final String ENRICHED_ORDERS_FILE = "enriched-orders.csv";
  static final String DIMENSION_FILE = "customer-dimension.csv";

  private final PrintStream out;

  OrdersReport(PrintStream out) {
    this.out = out;
  }

  void title(String title) {
    out.println();
    out.println("=== " + title + " ===");
  }

  void stateInventory(String inventoryTables) {
    section("State inventory (known before the job runs)");
    out.print(inventoryTables);
  }

  void customers(Map<String, Customer> table, int changelogRecords) {
    section(
        "Output: customers table from "
            + changelogRecords
            + " normalized change records ("
            + table.size()
            + " rows)");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"id", "name", "tier", "city"});
    table.values().forEach(c -> rows.add(new String[] {c.id(), c.name(), c.tier(), c.city()}));
    out.print(table(rows));
  }

  void revenue(List<CustomerRevenue> revenue) {
    section("Output: running revenue per customer (" + revenue.size() + " records)");
    out.println(
        "(two subtasks parse in parallel, so a customer's orders may arrive out of file order)");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"customer", "orders", "total", "currency"});
    revenue.stream()
        .sorted(
            Comparator.comparing(CustomerRevenue::customerId)
                .thenComparingLong(CustomerRevenue::orders))
        .forEach(
            r ->
                rows.add(
                    new String[] {
                      r.customerId(),
                      Long.toString(r.orders()),
                      r.total().toPlainString(),
                      r.currency()
                    }));
    out.print(table(rows));
  }

  void enrichedOrders(List<EnrichedOrder> orders) {
    section(
        "Output: orders with the customer at order time and the amount in euros ("
            + orders.size()
            + " records)");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {"order", "ordered at", "customer", "tier then", "city then", "found", "EUR"});
    orders.stream()
        .sorted(Comparator.comparing(EnrichedOrder::orderId))
        .forEach(
            o ->
                rows.add(
                    new String[] {
                      o.orderId(),
                      o.orderedAt().toString(),
                      o.customerId(),
                      String.valueOf(o.tier()),
                      String.valueOf(o.city()),
                      o.customerStatus().name(),
                      o.amountEur() == null ? "-" : o.amountEur().toPlainString()
                    }));
    out.print(table(rows));
  }

  void dimension(List<Scd2Row<Customer>> versions, int changelogRecords) {
    section(
        "Output: customer dimension (SCD Type 2) from "
            + changelogRecords
            + " history change records ("
            + versions.size()
            + " versions)");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "customer", "version", "valid from", "valid to", "current", "deleted", "tier", "city"
        });
    for (Scd2Row<Customer> v : versions) {
      rows.add(
          new String[] {
            v.key(),
            Long.toString(v.version()),
            v.validFrom().toString(),
            String.valueOf(v.validTo()),
            Boolean.toString(v.isCurrent()),
            Boolean.toString(v.isDeleted()),
            v.value().tier(),
            v.value().city()
          });
    }
    out.print(table(rows));
  }

  void deadLetters(Map<String, Long> byReason) {
    long total = byReason.values().stream().mapToLong(Long::longValue).sum();
    section("Dead letters by step and reason (" + total + " records; payloads only in the file)");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"step (uid): error class", "count"});
    byReason.forEach((reason, count) -> rows.add(new String[] {reason, Long.toString(count)}));
    out.print(table(rows));
  }

  void accounting(RecordAccounting accounting) {
    section(
        "Record accounting: in == out + filtered + deduplicated + dead-lettered ("
            + (accounting.isBalanced() ? "balanced" : "NOT BALANCED")
            + ")");
    out.print(accounting.toTable());
  }

  void written(Path outputDir) {
    out.println();
    out.println("Output files written to " + outputDir.toAbsolutePath().normalize());
  }

  /** Writes revenue, dead letters (with payloads), accounting and inventory under {@code dir}. */
  static Path writeFiles(OrdersRun run, String inventoryTables, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> revenue = new ArrayList<>(List.of("customer_id,orders,total,currency"));
    for (CustomerRevenue r : run.revenue()) {
      revenue.add(
          csv(r.customerId(), Long.toString(r.orders()), r.total().toPlainString(), r.currency()));
    }
    List<String> letters = new ArrayList<>(List.of("step,uid,error_class,error_message,payload"));
    for (DeadLetter l : run.deadLetters()) {
      letters.add(csv(l.step(), l.uid(), l.errorClass(), l.errorMessage(), l.payloadAsText()));
    }
    Files.write(dir.resolve(REVENUE_FILE), revenue, StandardCharsets.UTF_8);
    Files.write(dir.resolve(DEAD_LETTERS_FILE), letters, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(ACCOUNTING_FILE), run.accounting().toTable());
    Files.writeString(dir.resolve(STATE_INVENTORY_FILE), inventoryTables);
    List<String> changes = new ArrayList<>(List.of("kind,id,name,tier,city"));
    for (Change<Customer> c : run.customerChanges()) {
      Customer v = c.value();
      changes.add(csv(c.kind().shortString(), v.id(), v.name(), v.tier(), v.city()));
    }
    Files.write(dir.resolve(CUSTOMERS_FILE), changes, StandardCharsets.UTF_8);
    List<String> enriched =
        new ArrayList<>(
            List.of(
                "order_id,customer_id,amount,currency,ordered_at,customer_name,tier,city,"
                    + "customer_status,amount_eur,fx_status"));
    for (EnrichedOrder o : run.enrichedOrders()) {
      enriched.add(
          csv(
              o.orderId(),
              o.customerId(),
              o.amount().toPlainString(),
              o.currency(),
              o.orderedAt().toString(),
              o.customerName(),
              o.tier(),
              o.city(),
              o.customerStatus().name(),
              o.amountEur() == null ? null : o.amountEur().toPlainString(),
              o.fxStatus() == null ? null : o.fxStatus().name()));
    }
    Files.write(dir.resolve(ENRICHED_ORDERS_FILE), enriched, StandardCharsets.UTF_8);
    List<String> dimension =
        new ArrayList<>(
            List.of(
                "customer_id,version,valid_from,valid_to,is_current,is_deleted,version_id,"
                    + "name,tier,city"));
    for (Scd2Row<Customer> v : run.finalDimension()) {
      dimension.add(
          csv(
              v.key(),
              Long.toString(v.version()),
              v.validFrom().toString(),
              v.validTo() == null ? null : v.validTo().toString(),
              Boolean.toString(v.isCurrent()),
              Boolean.toString(v.isDeleted()),
              v.versionId(),
              v.value().name(),
              v.value().tier(),
              v.value().city()));
    }
    Files.write(dir.resolve(DIMENSION_FILE), dimension, StandardCharsets.UTF_8);
    return dir;
  }

  private void section(String heading) {
    out.println();
    out.println("-- " + heading);
  }

  /** One CSV line; fields with commas, quotes or line breaks are quoted. Null is empty. */
  static String csv(String... fields) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      String f = fields[i] == null ? "" : fields[i];
      if (i > 0) {
        line.append(',');
      }
      if (f.contains(",") || f.contains("\"") || f.contains("\n") || f.contains("\r")) {
        line.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        line.append(f);
      }
    }
    return line.toString();
  }

  /** Rows of cells as a fixed-width table under its header row; a null cell shows as "null". */
  static String table(List<String[]> cells) {
    List<String[]> rows = new ArrayList<>(cells.size());
    for (String[] row : cells) {
      String[] shown = row.clone();
      for (int c = 0; c < shown.length; c++) {
        shown[c] = String.valueOf(shown[c]); // a nullable column (tier, city)
      }
      rows.add(shown);
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      appendRow(sb, rows.get(r), width);
      if (r == 0) {
        String[] rule = new String[width.length];
        for (int c = 0; c < width.length; c++) {
          rule[c] = "-".repeat(width[c]);
        }
        appendRow(sb, rule, width);
      }
    }
    return sb.toString();
  }

  private static void appendRow(StringBuilder sb, String[] row, int[] width) {
    for (int c = 0; c < row.length; c++) {
      sb.append(c == 0 ? "" : " | ").append(row[c]);
      if (c < row.length - 1) {
        sb.append(" ".repeat(width[c] - row[c].length()));
      }
    }
    sb.append('\n');
  }
}
