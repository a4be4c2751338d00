package dev.etlkit.operators.enrich.lookup;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

// tag::custom-lookup[]
/** Customer names from an in-memory table, answered on a thread of the lookup's own. */
public final class CustomerNames implements Lookup<String, String> {
  private final Map<String, String> names; // serialized with the job graph

  private transient ExecutorService executor; // created per subtask in open()

  public CustomerNames(Map<String, String> names) {
    this.names = Map.copyOf(names);
  }

  @Override
  public void open(LookupContext context) {
    executor = Executors.newSingleThreadExecutor();
  }

  @Override
  public CompletableFuture<Optional<String>> lookup(String customerId) {
    // never block the calling thread: answer on the lookup's own executor
    return CompletableFuture.supplyAsync(
        () -> Optional.ofNullable(names.get(customerId)), executor);
  }

  /** Many keys in one round trip: the step can micro-batch keys for this lookup. */
  @Override
  public CompletableFuture<Map<String, String>> lookupAll(Collection<String> customerIds) {
    return CompletableFuture.supplyAsync(
        () -> {
          Map<String, String> found = new HashMap<>();
          for (String id : customerIds) {
            String name = names.get(id);
            if (name != null) {
              found.put(id, name); // absent keys are misses
            }
          }
          return found;
        },
        executor);
  }

  @Override
  public boolean supportsBatch() {
    return true;
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
// end::custom-lookup[]
