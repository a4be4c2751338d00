package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.scd.Scd2Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * What one bounded run of the example job produced: the revenue records, the enriched orders, the
 * customers changelog and dimension history, the dead letters and the record accounting read from
 * the job's result.
 *
 * @param revenue every running total the revenue step emitted, in arrival order
 * @param enrichedOrders every order with its customer at order time and amount in euros
 * @param customerChanges the normalized changelog of the customers table
 * @param dimensionChanges the changelog of the customers' SCD Type 2 history
 * @param deadLetters every rejected record, from all steps of both pipelines
 * @param accounting in / out / filtered / deduplicated / dead-lettered per step
 */
public record OrdersRun(
    List<CustomerRevenue> revenue,
    List<EnrichedOrder> enrichedOrders,
    List<Change<Customer>> customerChanges,
    List<Change<Scd2Row<Customer>>> dimensionChanges,
    List<DeadLetter> deadLetters,
    RecordAccounting accounting) {

  public OrdersRun {
    revenue = List.copyOf(revenue);
    enrichedOrders = List.copyOf(enrichedOrders);
    customerChanges = List.copyOf(customerChanges);
    dimensionChanges = List.copyOf(dimensionChanges);
    deadLetters = List.copyOf(deadLetters);
  }

  /**
   * Collects the pipelines' outputs and dead letters, runs the job to completion and reads its
   * accounting. Bounded input only: the call returns when the job has finished. The outputs are
   * read while the job runs (a collect sink holds only a few MiB before it stops the job until they
   * are read), one thread per output.
   */
  public static OrdersRun execute(
      StreamExecutionEnvironment env, OrdersJob.Outputs outputs, String jobName) throws Exception {
    CloseableIterator<CustomerRevenue> revenue = outputs.revenue().toDataStream().collectAsync();
    CloseableIterator<EnrichedOrder> enriched =
        outputs.enrichedOrders().toDataStream().collectAsync();
    CloseableIterator<Change<Customer>> changes = outputs.customers().toDataStream().collectAsync();
    CloseableIterator<Change<Scd2Row<Customer>>> dimension =
        outputs.customerDimension().toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters =
        outputs.revenue().deadLetters().union(outputs.customers().deadLetters()).collectAsync();
    JobClient job = env.executeAsync(jobName);
    ExecutorService readers = Executors.newFixedThreadPool(5);
    try {
      Future<List<CustomerRevenue>> revenueRead = readers.submit(() -> drain(revenue));
      Future<List<EnrichedOrder>> enrichedRead = readers.submit(() -> drain(enriched));
      Future<List<Change<Customer>>> changesRead = readers.submit(() -> drain(changes));
      Future<List<Change<Scd2Row<Customer>>>> dimensionRead =
          readers.submit(() -> drain(dimension));
      Future<List<DeadLetter>> deadLettersRead = readers.submit(() -> drain(deadLetters));
      // tag::read-accounting[]
      JobExecutionResult result = job.getJobExecutionResult().get();
      RecordAccounting accounting = RecordAccounting.of(result, outputs.pipelines());
      // end::read-accounting[]
      return new OrdersRun(
          revenueRead.get(),
          enrichedRead.get(),
          changesRead.get(),
          dimensionRead.get(),
          deadLettersRead.get(),
          accounting);
    } finally {
      readers.shutdownNow();
    }
  }

  /**
   * The customer dimension table the history changelog materializes to, one row per version, by
   * customer id and valid-from time: {@code +I}/{@code +U} put a version, {@code -U}/{@code -D}
   * remove it.
   */
  public List<Scd2Row<Customer>> finalDimension() {
    Map<String, Scd2Row<Customer>> byVersion = new HashMap<>();
    for (Change<Scd2Row<Customer>> change : dimensionChanges) {
      if (change.isAccumulate()) {
        byVersion.put(change.value().versionId(), change.value());
      } else {
        byVersion.remove(change.value().versionId());
      }
    }
    List<Scd2Row<Customer>> rows = new ArrayList<>(byVersion.values());
    rows.sort(Comparator.comparing(Scd2Row<Customer>::key).thenComparing(Scd2Row::validFrom));
    return rows;
  }

  /**
   * The customers table the changelog materializes to, by id: {@code +I}/{@code +U} put a row,
   * {@code -U}/{@code -D} remove it.
   */
  public SortedMap<String, Customer> finalCustomers() {
    SortedMap<String, Customer> table = new TreeMap<>();
    for (Change<Customer> change : customerChanges) {
      if (change.isAccumulate()) {
        table.put(change.value().id(), change.value());
      } else {
        table.remove(change.value().id());
      }
    }
    return table;
  }

  /**
   * Dead-letter counts by {@code "<pipeline>/<step>: <error class>"} (the rejecting step's uid, so
   * the two pipelines' steps of one name, such as {@code valid-time}, are counted apart), sorted;
   * no payloads.
   */
  public SortedMap<String, Long> deadLettersByReason() {
    SortedMap<String, Long> counts = new TreeMap<>();
    for (DeadLetter letter : deadLetters) {
      counts.merge(letter.uid() + ": " + letter.errorClass(), 1L, Long::sum);
    }
    return counts;
  }

  /** The last running total of each customer, by customer id. */
  public SortedMap<String, CustomerRevenue> finalRevenue() {
    SortedMap<String, CustomerRevenue> last = new TreeMap<>();
    for (CustomerRevenue r : revenue) {
      last.merge(r.customerId(), r, (a, b) -> a.orders() >= b.orders() ? a : b);
    }
    return last;
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> all = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(all::add);
    }
    return all;
  }
}
