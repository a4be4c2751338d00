package dev.etlkit.scd;

import dev.etlkit.core.Change;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Short forms for scenario tests: instants on days of January 2024 ({@code d3} is
 * 2024-01-03T00:00:00Z) and output records as {@code +U c1 v1 [d1,d3) retail/555}.
 */
final class Brief {
  private Brief() {}

  /** Midnight UTC of the given day of January 2024. */
  static Instant day(int dayOfMonth) {
    return Instant.parse(String.format("2024-01-%02dT00:00:00Z", dayOfMonth));
  }

  /** A customer as of the given day of January 2024. */
  static Customer customer(String id, String segment, String phone, int dayOfMonth) {
    return new Customer(id, segment, phone, day(dayOfMonth));
  }

  static List<String> brief(List<Change<Scd2Row<Customer>>> changes) {
    List<String> shown = new ArrayList<>(changes.size());
    for (Change<Scd2Row<Customer>> change : changes) {
      shown.add(brief(change));
    }
    return shown;
  }

  static String brief(Change<Scd2Row<Customer>> change) {
    Scd2Row<Customer> row = change.value();
    return change.kind().shortString()
        + " "
        + row.key()
        + " v"
        + row.version()
        + " ["
        + time(row.validFrom())
        + ","
        + (row.validTo() == null ? "" : time(row.validTo()))
        + ")"
        + (row.isCurrent() ? " current" : "")
        + (row.isDeleted() ? " deleted" : "")
        + " "
        + row.value().segment()
        + "/"
        + row.value().phone();
  }

  private static String time(Instant instant) {
    if (instant.equals(Scd2.END_OF_TIME)) {
      return "END";
    }
    var t = instant.atOffset(ZoneOffset.UTC);
    if (t.getYear() == 2024 && t.getMonthValue() == 1 && t.toLocalTime().toSecondOfDay() == 0) {
      return "d" + t.getDayOfMonth();
    }
    return instant.toString();
  }
}
