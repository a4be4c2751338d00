package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The keys of one {@code lookupAll} call of the JDBC lookup, against a real PostgreSQL: a key its
 * {@link JdbcKey} binder cannot bind fails alone, and the other keys are queried; keys the binder
 * binds to the same value each get that value's row, as their single lookups do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupBatchKeysTest {

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  private static final Duration BATCH_DELAY = Duration.ofMillis(100);

  /** Binds every key as it is, except "bad", whose binding throws. */
  private static Object bindOrThrow(String key) {
    if (key.equals("bad")) {
      throw new IllegalArgumentException("cannot bind " + key);
    }
    return key;
  }

  private static JdbcLookup<String, Customer> customers() {
    return JdbcLookup.table(
            DATABASE.get().url(),
            "customers",
            "id",
            JdbcKey.of("text", JdbcLookupBatchKeysTest::bindOrThrow, ResultSet::getString),
            Customer::fromRow)
        .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD));
  }

  /**
   * A key whose binder throws, in a micro-batch with two good keys: its record alone is
   * dead-lettered, with the reason, and counts as one failed load; the others are queried. The
   * binder's failure used to fail the whole batch, and all three records.
   */
  @Test
  void keyWhoseBinderThrows_failsItsRecordAlone_theOthersAreQueried() throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        customers(),
                        (String order, Customer customer, LookupStatus status) ->
                            order
                                + "="
                                + (customer == null ? null : customer.name())
                                + "/"
                                + status,
                        Types.STRING)
                    .withMicroBatch(10, BATCH_DELAY)
                    .withRetry(LookupRetry.none()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:bad");
      h.process("o3:c-2");
      h.advance(BATCH_DELAY);
      h.awaitResults(3);

      assertThat(h.outputs())
          .containsExactlyInAnyOrder("o1:c-1=Customer 1/LOADED", "o3:c-2=Customer 2/LOADED");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::attempt)
          .containsExactly(Tuple.tuple(JdbcLookupException.class.getName(), 1));
      assertThat(h.deadLetters().get(0).errorMessage()).contains("IllegalArgumentException");
      assertThat(h.metric(LookupMetrics.BATCHES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(3);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  /**
   * Called directly, a batch with a key the binder cannot bind fails with a {@link
   * PartialLookupException} holding the other keys' rows and that key's own failure, the one a
   * single lookup of it fails with.
   */
  @Test
  void lookupAll_keyWhoseBinderThrows_failsAlone_inAPartialLookupException() throws Exception {
    LookupTesting lookups = new LookupTesting();
    try {
      JdbcLookup<String, Customer> lookup = lookups.open(customers());

      PartialLookupException partial =
          LookupTesting.failure(
              lookup.lookupAll(List.of("c-1", "bad", "c-9999")), PartialLookupException.class);
      JdbcLookupException single =
          LookupTesting.failure(lookup.lookup("bad"), JdbcLookupException.class);

      assertThat(partial.found()).isEqualTo(Map.of("c-1", Customer.expected(1)));
      assertThat(partial.failures().keySet()).isEqualTo(Set.of("bad"));
      assertThat(partial.failures().get("bad"))
          .isInstanceOf(JdbcLookupException.class)
          .hasMessage(single.getMessage())
          .hasMessage("JDBC lookup key binder failed: IllegalArgumentException");
      assertThat(single.retryable()).isFalse();
    } finally {
      lookups.closeAll();
    }
  }

  /**
   * The query of the bindable keys fails (the row mapper throws on c-1's row): they fail with that
   * failure, but the key the binder could not bind keeps its own ("key binder failed"), as when the
   * query succeeds. It used to get the query's failure, so its dead letter named a row mapper its
   * key never reached.
   */
  @Test
  void lookupAll_queryFails_keyWhoseBinderThrowsKeepsItsOwnFailure() throws Exception {
    LookupTesting lookups = new LookupTesting();
    try {
      JdbcLookup<String, Customer> lookup =
          lookups.open(
              JdbcLookup.table(
                      DATABASE.get().url(),
                      "customers",
                      "id",
                      JdbcKey.of(
                          "text", JdbcLookupBatchKeysTest::bindOrThrow, ResultSet::getString),
                      row -> {
                        if (row.getString("id").equals("c-1")) {
                          throw new IllegalStateException("unmappable row");
                        }
                        return Customer.fromRow(row);
                      })
                  .withCredentials(
                      JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));

      PartialLookupException partial =
          LookupTesting.failure(
              lookup.lookupAll(List.of("c-1", "bad", "c-2")), PartialLookupException.class);

      assertThat(partial.found()).isEmpty();
      assertThat(partial.failures().keySet()).isEqualTo(Set.of("c-1", "bad", "c-2"));
      assertThat(partial.failures().get("bad"))
          .hasMessage("JDBC lookup key binder failed: IllegalArgumentException");
      assertThat(partial.failures().get("c-1"))
          .isInstanceOf(JdbcLookupException.class)
          .hasMessageContaining("row mapper");
      assertThat(partial.failures().get("c-2")).isSameAs(partial.failures().get("c-1"));
    } finally {
      lookups.closeAll();
    }
  }

  /**
   * A lossy binder (lower-cases): "C-1" and "c-1" are both bound as "c-1", and "C-2" as "c-2". Each
   * key gets the row its single lookup gets. Only the key equal to the row's key column ("c-1")
   * used to get it: "C-1" and "C-2", whose row reads back as another key, were misses.
   */
  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void lookupAll_keysBoundToTheSameValue_eachGetsTheRowOfItsSingleLookup(
      JdbcLookup.BatchQuery batchQuery) throws Exception {
    LookupTesting lookups = new LookupTesting();
    try {
      JdbcLookup<String, Customer> lookup =
          lookups.open(
              JdbcLookup.table(
                      DATABASE.get().url(),
                      "customers",
                      "id",
                      JdbcKey.of(
                          "text", (String k) -> k.toLowerCase(Locale.ROOT), ResultSet::getString),
                      Customer::fromRow)
                  .withCredentials(
                      JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                  .withBatchQuery(batchQuery));
      List<String> keys = List.of("C-1", "c-1", "C-2", "c-3", "C-9999");

      Map<String, Customer> batch = LookupTesting.await(lookup.lookupAll(keys));

      assertThat(batch)
          .isEqualTo(
              Map.of(
                  "C-1", Customer.expected(1),
                  "c-1", Customer.expected(1),
                  "C-2", Customer.expected(2),
                  "c-3", Customer.expected(3)));
      assertThat(batch).isEqualTo(singleLookups(lookup, keys));
    } finally {
      lookups.closeAll();
    }
  }

  /**
   * Number keys bound as they are: 1L and 1 (an Integer) are distinct keys but the same bigint, and
   * (short) 2 reads back as 2L. Each gets the row its single lookup gets; only 1L and 3L, equal to
   * the keys read back, used to.
   */
  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void lookupAll_numbersOfDifferentTypesWithOneValue_eachGetsTheRowOfItsSingleLookup(
      JdbcLookup.BatchQuery batchQuery) throws Exception {
    LookupTesting lookups = new LookupTesting();
    try {
      JdbcLookup<Number, Customer> lookup =
          lookups.open(
              JdbcLookup.table(
                      DATABASE.get().url(),
                      "customers",
                      "seq",
                      JdbcKey.of(
                          "bigint",
                          (Number k) -> k,
                          (ResultSet row, int column) -> (Number) row.getLong(column)),
                      Customer::fromRow)
                  .withCredentials(
                      JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                  .withBatchQuery(batchQuery));
      List<Number> keys = List.of(1L, 1, (short) 2, 3L, 9999L);

      Map<Number, Customer> batch = LookupTesting.await(lookup.lookupAll(keys));

      assertThat(batch)
          .isEqualTo(
              Map.of(
                  1L,
                  Customer.expected(1),
                  1,
                  Customer.expected(1),
                  (short) 2,
                  Customer.expected(2),
                  3L,
                  Customer.expected(3)));
      assertThat(batch).isEqualTo(singleLookups(lookup, keys));
    } finally {
      lookups.closeAll();
    }
  }

  /**
   * The binder binds "C-1" as "c-1" but throws for "c-1", the key read back from the row: the batch
   * cannot tell which keys the row answers, so it asks the keys left without a row alone, and each
   * gets the row its single lookup gets. The call used to fail ("key binder failed"), every key of
   * it to its fallback.
   */
  @Test
  void lookupAll_binderThrowsForAKeyReadBack_asksTheKeysAlone() throws Exception {
    LookupTesting lookups = new LookupTesting();
    RecordingLookupContext context = new RecordingLookupContext();
    try {
      JdbcLookup<String, Customer> lookup =
          lookups.open(
              JdbcLookup.table(
                      DATABASE.get().url(),
                      "customers",
                      "id",
                      JdbcKey.of(
                          "text",
                          (String k) -> {
                            if (!k.startsWith("C-")) {
                              throw new IllegalArgumentException("not an upper-case key");
                            }
                            return k.toLowerCase(Locale.ROOT);
                          },
                          ResultSet::getString),
                      Customer::fromRow)
                  .withCredentials(
                      JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)),
              context);

      Map<String, Customer> batch = LookupTesting.await(lookup.lookupAll(List.of("C-1", "C-2")));

      assertThat(batch).isEqualTo(Map.of("C-1", Customer.expected(1), "C-2", Customer.expected(2)));
      assertThat(context.count("jdbcLookup." + JdbcLookupMetrics.KEYS_ASKED_ALONE)).isEqualTo(2);
    } finally {
      lookups.closeAll();
    }
  }

  /** The keys' values as their single lookups find them. */
  private static <K> Map<K, Customer> singleLookups(JdbcLookup<K, Customer> lookup, List<K> keys)
      throws Exception {
    Map<K, Customer> found = new HashMap<>();
    for (K k : keys) {
      Optional<Customer> value = LookupTesting.await(lookup.lookup(k));
      value.ifPresent(customer -> found.put(k, customer));
    }
    return found;
  }
}
