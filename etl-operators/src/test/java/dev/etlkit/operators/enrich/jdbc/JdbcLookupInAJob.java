package dev.etlkit.operators.enrich.jdbc;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One attempt of a job's JDBC lookup, run inside a {@link JobClassLoader}: opens the lookup on
 * {@code url} (with {@code driverClassName} if given), looks up {@code c-1}, closes it and runs the
 * release hooks it registered, as Flink does when it releases the job's class loader. Answers
 * {@code name} (the customer's name) or {@code failure} (the exception), and {@code hooks} (the
 * names of the release hooks), all as strings.
 */
public final class JdbcLookupInAJob implements Function<Map<String, Object>, Map<String, Object>> {

  @Override
  public Map<String, Object> apply(Map<String, Object> input) {
    Map<String, Object> output = new HashMap<>();
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(
                (String) input.get("url"), "customers", "id", JdbcKey.text(), Customer::fromRow)
            .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
            .withPoolSize(1);
    if (input.get("driverClassName") != null) {
      lookup = lookup.withDriverClassName((String) input.get("driverClassName"));
    }
    RecordingLookupContext context = new RecordingLookupContext();
    try {
      lookup.open(context);
      output.put(
          "name", lookup.lookup("c-1").get(10, TimeUnit.SECONDS).map(Customer::name).orElse("-"));
    } catch (Exception e) {
      output.put("failure", e.toString());
    } finally {
      lookup.close();
    }
    output.put("hooks", String.join(",", context.releaseHooks()));
    context.release();
    return output;
  }
}
