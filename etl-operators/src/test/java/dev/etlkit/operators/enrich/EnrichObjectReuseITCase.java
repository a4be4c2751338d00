package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.ChainedMutation;
import dev.etlkit.operators.MutableRow;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In a job with Flink's object reuse on, a function chained after the lookup step gets the very
 * object the combiner returned and may change it in place. A combiner may put the looked-up value
 * into its output (here the customer row itself), a value the cache hands to every record of its
 * key: the cached value must not change with it.
 */
class EnrichObjectReuseITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = ChainedMutation.miniCluster();

  /** Answers every key with a new customer row of text {@code gold}. */
  static final class Customers implements Lookup<String, MutableRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public CompletableFuture<Optional<MutableRow>> lookup(String key) {
      return CompletableFuture.completedFuture(Optional.of(new MutableRow(key, "gold", 1)));
    }
  }

  @Test
  @Timeout(120)
  void chainedFunctionChangingTheOutputInPlace_leavesTheCachedValueAlone() throws Exception {
    for (boolean objectReuse : new boolean[] {false, true}) {
      assertThat(
              ChainedMutation.run(
                  orders ->
                      orders.apply(
                          Enrich.lookup(
                                  "customer",
                                  (MutableRow order) -> order.key,
                                  new Customers(),
                                  (MutableRow order, MutableRow customer, LookupStatus status) ->
                                      Change.insert(customer),
                                  MutableRow.CHANGES)
                              .withCache(LookupCache.maxEntries(10))),
                  objectReuse))
          .as("object reuse %s", objectReuse)
          .isEqualTo(List.of("+I gold!", "+I gold!", "+I gold!"));
    }
  }
}
