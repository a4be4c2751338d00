package dev.etlkit.examples;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Exchange rates to euros by ISO-4217 currency code, read from the bundled {@code
 * sample/fx-rates.csv} when the lookup opens. It stands in for a rates table in a database: a real
 * job points a {@code JdbcLookup} at that table instead (see docs/enrichment-lookups.md), and the
 * step around it (cache, timeouts, retries, dead letters) stays the same.
 */
public final class FxRates implements Lookup<String, BigDecimal> {

  private static final long serialVersionUID = 1L;

  static final String RESOURCE = "/sample/fx-rates.csv";

  private transient Map<String, BigDecimal> eurPerUnit;

  @Override
  public void open(LookupContext context) {
    Map<String, BigDecimal> rates = new HashMap<>();
    List<String> lines = OrdersJob.resourceLines(RESOURCE);
    for (String line : lines.subList(1, lines.size())) { // skip the header
      String[] fields = line.split(",", -1);
      rates.put(fields[0].strip(), new BigDecimal(fields[1].strip()));
    }
    eurPerUnit = Map.copyOf(rates);
  }

  /** Completes at once: the rate, or empty for a currency without one. */
  @Override
  public CompletableFuture<Optional<BigDecimal>> lookup(String currency) {
    return CompletableFuture.completedFuture(Optional.ofNullable(eurPerUnit.get(currency)));
  }
}
