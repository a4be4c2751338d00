package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * What one bounded run of the example job produced: the revenue records, the customers changelog,
 * the dead letters and the record accounting read from the job's result.
 *
 * @param revenue every running total the revenue step emitted, in arrival order
 * @param customerChanges the normalized changelog of the customers table
 * @param deadLetters every rejected record, from all steps of both pipelines
 * @param accounting in / out / filtered / deduplicated / dead-lettered per step
 */
public record OrdersRun(
    List<CustomerRevenue> revenue,
    List<Change<Customer>> customerChanges,
    List<DeadLetter> deadLetters,
    RecordAccounting accounting) {

  public OrdersRun {
    revenue = List.copyOf(revenue);
    customerChanges = List.copyOf(customerChanges);
    deadLetters = List.copyOf(deadLetters);
  }

  /**
   * Collects the pipeline's output and dead letters, runs the job to completion and reads its
   * accounting. Bounded input only: the call returns when the job has finished.
   */
  public static OrdersRun execute(
      StreamExecutionEnvironment env,
      EtlStream<CustomerRevenue> orders,
      EtlStream<Change<Customer>> customers,
      String jobName)
      throws Exception {
    CloseableIterator<CustomerRevenue> revenue = orders.toDataStream().collectAsync();
    CloseableIterator<Change<Customer>> changes = customers.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters =
        orders.deadLetters().union(customers.deadLetters()).collectAsync();
    // tag::read-accounting[]
    JobExecutionResult result = env.execute(jobName);
    RecordAccounting accounting = RecordAccounting.of(result);
    // end::read-accounting[]
    return new OrdersRun(drain(revenue), drain(changes), drain(deadLetters), accounting);
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

  /** Dead-letter counts by {@code "<step>: <error class>"}, sorted; no payloads. */
  public SortedMap<String, Long> deadLettersByReason() {
    SortedMap<String, Long> counts = new TreeMap<>();
    for (DeadLetter letter : deadLetters) {
      counts.merge(letter.step() + ": " + letter.errorClass(), 1L, Long::sum);
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
