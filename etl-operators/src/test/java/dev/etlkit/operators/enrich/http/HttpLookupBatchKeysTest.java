package dev.etlkit.operators.enrich.http;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import dev.etlkit.operators.enrich.jdbc.LookupTesting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The keys of one {@code lookupAll} call of the HTTP lookup answer each for itself: a key that
 * cannot be sent fails alone, and keys that format to the same text share that text's answer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLookupBatchKeysTest {

  private static final Duration BATCH_DELAY = Duration.ofMillis(100);

  private static TestApi api;
  private final LookupTesting lookups = new LookupTesting();

  @BeforeAll
  static void startServer() throws Exception {
    api = new TestApi();
  }

  @AfterAll
  static void stopServer() {
    api.close();
  }

  @BeforeEach
  void forgetRequests() {
    api.requests.clear();
  }

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  /** Formats every key as it is, except "bad", whose format throws. */
  private static String formatOrThrow(String key) {
    if (key.equals("bad")) {
      throw new IllegalArgumentException("no text for " + key);
    }
    return key;
  }

  private static Enrich.LookupStep<String, String, Profile, String> step(
      HttpLookup<String, Profile> lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, Profile customer, LookupStatus status) ->
                order + "=" + (customer == null ? null : customer.name()) + "/" + status,
            Types.STRING)
        .withMicroBatch(10, BATCH_DELAY)
        .withRetry(LookupRetry.none());
  }

  /**
   * A key whose format throws, in a micro-batch with two good keys: its record alone is
   * dead-lettered, with the reason, and counts as one failed load; the batch request goes out for
   * the other two. The format's failure used to fail the whole call, and all three records.
   */
  @Test
  void batchEndpoint_keyWhoseFormatThrows_failsItsRecordAlone_theOthersAreLookedUp()
      throws Exception {
    HttpLookup<String, Profile> lookup =
        HttpLookup.get(api.base() + "/customers/{key}", String.class, Profile.class)
            .withBatchEndpoint(api.base() + "/batch")
            .withKeyFormat(HttpLookupBatchKeysTest::formatOrThrow);
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step(lookup), StringSerializer.INSTANCE).open();
    try {
      h.process("o1:c-1");
      h.process("o2:bad");
      h.process("o3:c-2");
      h.advance(BATCH_DELAY);
      h.awaitResults(3);

      assertThat(h.outputs())
          .containsExactlyInAnyOrder("o1:c-1=Customer c-1/LOADED", "o3:c-2=Customer c-2/LOADED");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::attempt)
          .containsExactly(Tuple.tuple(HttpLookupException.class.getName(), 1));
      assertThat(h.deadLetters().get(0).errorMessage())
          .contains("HTTP lookup key format failed: IllegalArgumentException");
      assertThat(api.requests)
          .singleElement()
          .extracting(TestApi.Request::method)
          .isEqualTo("POST");
      assertThat(h.metric(LookupMetrics.BATCHES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(3);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  /**
   * Called directly, a batch call with keys that cannot be formatted fails with a {@link
   * PartialLookupException} holding the others' answers and each bad key's own failure; with no
   * good key, no request goes out.
   */
  @Test
  void lookupAll_batchEndpoint_unformattableKeys_failAlone_inAPartialLookupException()
      throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", String.class, Profile.class)
                .withBatchEndpoint(api.base() + "/batch")
                .withMaxBatchKeys(1)
                .withKeyFormat(HttpLookupBatchKeysTest::formatOrThrow));

    PartialLookupException partial =
        LookupTesting.failure(
            lookup.lookupAll(List.of("c-1", "bad", "missing-1")), PartialLookupException.class);
    PartialLookupException allBad =
        LookupTesting.failure(lookup.lookupAll(List.of("bad")), PartialLookupException.class);

    assertThat(partial.found()).isEqualTo(Map.of("c-1", Profile.of("c-1")));
    assertThat(partial.failures().keySet()).isEqualTo(Set.of("bad"));
    assertThat(partial.failures().get("bad"))
        .isInstanceOf(HttpLookupException.class)
        .hasMessage("HTTP lookup key format failed: IllegalArgumentException");
    assertThat(((HttpLookupException) partial.failures().get("bad")).retryable()).isFalse();
    assertThat(allBad.found()).isEmpty();
    assertThat(allBad.failures().keySet()).isEqualTo(Set.of("bad"));
    assertThat(api.requests).hasSize(2); // c-1 and missing-1, one per request
  }

  /**
   * The batch request of the sendable keys fails (503, retryable): they fail with it, but the key
   * that could not be sent keeps its own failure (a key format that failed, not retryable), as when
   * the request succeeds. It used to get the request's 503, so the step retried it and
   * dead-lettered it with a status its key never got.
   */
  @Test
  void lookupAll_batchEndpoint_requestFails_unformattableKeyKeepsItsOwnFailure() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", String.class, Profile.class)
                .withBatchEndpoint(api.base() + "/batch")
                .withKeyFormat(HttpLookupBatchKeysTest::formatOrThrow));

    PartialLookupException partial =
        LookupTesting.failure(
            lookup.lookupAll(List.of("c-1", "bad", "fail-503")), PartialLookupException.class);

    assertThat(partial.found()).isEmpty();
    assertThat(partial.failures().keySet()).isEqualTo(Set.of("c-1", "bad", "fail-503"));
    assertThat(partial.failures().get("bad"))
        .isInstanceOf(HttpLookupException.class)
        .hasMessage("HTTP lookup key format failed: IllegalArgumentException");
    assertThat(((HttpLookupException) partial.failures().get("bad")).retryable()).isFalse();
    assertThat(((HttpLookupException) partial.failures().get("c-1")).statusCode()).hasValue(503);
    assertThat(partial.failures().get("fail-503")).isSameAs(partial.failures().get("c-1"));
  }

  /**
   * Without a batch endpoint each key has its request: one that cannot be made, or that fails,
   * fails that key alone.
   */
  @Test
  void lookupAll_withoutBatchEndpoint_failingKeys_failAlone_inAPartialLookupException()
      throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", String.class, Profile.class)
                .withKeyFormat(HttpLookupBatchKeysTest::formatOrThrow));

    PartialLookupException partial =
        LookupTesting.failure(
            lookup.lookupAll(List.of("c-1", "bad", "status-503", "unknown")),
            PartialLookupException.class);

    assertThat(partial.found()).isEqualTo(Map.of("c-1", Profile.of("c-1")));
    assertThat(partial.failures().keySet()).isEqualTo(Set.of("bad", "status-503"));
    assertThat(((HttpLookupException) partial.failures().get("status-503")).statusCode())
        .hasValue(503);
    assertThat(api.requests).hasSize(3);
  }

  /**
   * Two distinct keys whose format gives the same text are asked once, as that text, and both get
   * its answer: the request for the text answers every key it stands for. The second key used to
   * take the text's place, and the first was a miss.
   */
  @Test
  void lookupAll_batchEndpoint_keysFormattingToTheSameText_bothGetItsAnswer() throws Exception {
    HttpLookup<Integer, Profile> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", Integer.class, Profile.class)
                .withBatchEndpoint(api.base() + "/batch")
                .withKeyFormat(k -> "c-" + Math.abs(k)));

    Map<Integer, Profile> found = await(lookup.lookupAll(List.of(1, -1, 2)));

    assertThat(found)
        .isEqualTo(Map.of(1, Profile.of("c-1"), -1, Profile.of("c-1"), 2, Profile.of("c-2")));
    assertThat(api.requests).singleElement().extracting(TestApi.Request::method).isEqualTo("POST");
  }
}
