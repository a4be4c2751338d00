package dev.etlkit.operators.enrich.http;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.enrich.jdbc.LookupTesting;
import dev.etlkit.operators.enrich.jdbc.RecordingLookupContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP lookup against a real HTTP server on loopback, started once for the class. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpLookupServerTest {

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

  private static HttpLookup<String, Profile> profiles() {
    return HttpLookup.get(api.base() + "/customers/{key}", String.class, Profile.class);
  }

  private static HttpLookupException failure(CompletableFuture<?> future) {
    return LookupTesting.failure(future, HttpLookupException.class);
  }

  @Test
  void lookup_existingKey_readsTheJsonBody_ignoringUnknownFields() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    assertThat(await(lookup.lookup("c-1"))).contains(Profile.of("c-1"));
    assertThat(api.requests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.method()).isEqualTo("GET");
              assertThat(r.rawPath()).isEqualTo("/customers/c-1");
              assertThat(r.headers().get("Accept")).containsExactly("application/json");
            });
  }

  @Test
  void lookup_404_isAMissByDefault() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    assertThat(await(lookup.lookup("unknown"))).isEmpty();
  }

  @Test
  void lookup_missStatuses_decideWhatIsAMiss() throws Exception {
    HttpLookup<String, Profile> none = lookups.open(profiles().withMissStatuses());
    HttpLookup<String, Profile> goneToo = lookups.open(profiles().withMissStatuses(404, 410));

    HttpLookupException notFound = failure(none.lookup("unknown"));
    assertThat(notFound.retryable()).isFalse();
    assertThat(notFound.statusCode()).hasValue(404);
    assertThat(await(goneToo.lookup("status-410"))).isEmpty();
    assertThat(await(goneToo.lookup("unknown"))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503, 504, 429, 408})
  void lookup_serverErrorsAndTooManyRequests_failRetryablyWithTheStatus(int status)
      throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed = failure(lookup.lookup("status-" + status));

    assertThat(failed.retryable()).isTrue();
    assertThat(failed.statusCode()).hasValue(status);
    assertThat(failed).hasMessage("HTTP lookup got status " + status + " (retryable)");
    if (status == 429 || status == 503) {
      assertThat(failed.retryAfter()).contains(Duration.ofSeconds(7));
    } else {
      assertThat(failed.retryAfter()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 410, 422, 301, 302})
  void lookup_otherClientErrorsAndRedirects_failPermanently(int status) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed = failure(lookup.lookup("status-" + status));

    assertThat(failed.retryable()).isFalse();
    assertThat(failed.statusCode()).hasValue(status);
    assertThat(api.requests).hasSize(1); // a redirect is not followed
  }

  /**
   * The server's {@code Retry-After} comes with the retryable statuses only, as the docs say: on a
   * permanent failure it made the step's default retry (every failure) wait that long, or drop the
   * retry, for a call that cannot succeed either way.
   */
  @ParameterizedTest
  @ValueSource(ints = {400, 403, 410, 301, 303})
  void lookup_permanentStatusWithRetryAfter_hasNoRetryAfter(int status) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed = failure(lookup.lookup("retry-after-" + status));

    assertThat(failed.retryable()).isFalse();
    assertThat(failed.statusCode()).hasValue(status);
    assertThat(failed.retryAfter()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 503})
  void lookup_retryableStatusWithRetryAfter_carriesIt(int status) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed = failure(lookup.lookup("retry-after-" + status));

    assertThat(failed.retryable()).isTrue();
    assertThat(failed.retryAfter()).contains(Duration.ofSeconds(7));
  }

  /**
   * Only 408, 429 and 5xx are retryable: a status outside the standard classes, which the JDK
   * client accepts, is permanent like any other non-2xx. 600 to 999 used to count as 5xx.
   */
  @ParameterizedTest
  @ValueSource(ints = {600, 799, 999})
  void lookup_statusOutsideTheStandardClasses_failsPermanently(int status) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed = failure(lookup.lookup("status-" + status));

    assertThat(failed.retryable()).isFalse();
    assertThat(failed.statusCode()).hasValue(status);
    assertThat(failed).hasMessage("HTTP lookup got status " + status + " (permanent)");
  }

  @Test
  void lookup_slowerThanTheRequestTimeout_failsRetryablyInTime() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withRequestTimeout(Duration.ofMillis(200)));
    long start = System.nanoTime();

    HttpLookupException timeout = failure(lookup.lookup("slow-10000")); // answers after 10 s

    // In time: at the 200 ms timeout, not when the server answers. The bound leaves seconds for a
    // cold JVM on a loaded machine (1.5 s against a 2 s answer failed there) and stays well below
    // the server's 10 s.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(timeout.retryable()).isTrue();
    assertThat(timeout.statusCode()).isEmpty();
    assertThat(timeout).hasMessageContaining("timed out");
  }

  @ParameterizedTest
  @ValueSource(strings = {"malformed", "wrong-type", "not-json"})
  void lookup_bodyThatIsNotTheValue_failsPermanentlyWithoutThePayload(String id) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException unreadable = failure(lookup.lookup(id));

    assertThat(unreadable.retryable()).isFalse();
    assertThat(unreadable.statusCode()).hasValue(200);
    assertThat(unreadable.getMessage())
        .contains("is not valid JSON for the value type")
        .doesNotContain(TestApi.SECRET)
        .doesNotContain(id);
    assertThat(unreadable).hasNoCause();
  }

  @ParameterizedTest
  @ValueSource(strings = {"huge", "huge-chunked"})
  void lookup_bodyOverTheSizeLimit_failsPermanentlyWithoutReadingIt(String id) throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles().withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(64 * 1024)));

    HttpLookupException tooLarge = failure(lookup.lookup(id));

    assertThat(tooLarge.retryable()).isFalse();
    assertThat(tooLarge).hasMessageContaining("exceeds maxDocumentBytes 65536");
    assertThat(await(lookup.lookup("c-2"))).contains(Profile.of("c-2")); // still works
  }

  @Test
  void lookup_nestingDeeperThanTheLimit_failsPermanently() throws Exception {
    HttpLookup<String, JsonNode> lookup =
        lookups.open(HttpLookup.get(api.base() + "/customers/{key}", String.class, node -> node));

    HttpLookupException deep = failure(lookup.lookup("deep"));

    assertThat(deep.retryable()).isFalse();
    assertThat(deep).hasMessageContaining("exceeds the JSON read limits");
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "empty", "blank"})
  void lookup_nullOrEmptyBody_isAMiss(String id) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    assertThat(await(lookup.lookup(id))).isEmpty();
  }

  /**
   * JSON {@code null} is a miss also when the value class is Jackson's {@link JsonNode}, whose
   * deserializer reads {@code null} as a {@code NullNode}: the single request used to return that
   * node as a hit, while the batch endpoint (and the docs) made it a miss.
   */
  @Test
  void lookup_jsonNullWithJsonNodeValueClass_isAMissOnEveryPath() throws Exception {
    HttpLookup<String, JsonNode> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", String.class, JsonNode.class)
                .withBatchEndpoint(api.base() + "/batch"));

    assertThat(await(lookup.lookup("null"))).isEmpty();
    assertThat(await(lookup.lookupAll(List.of("null-1", "c-1")))).containsOnlyKeys("c-1");
  }

  /**
   * A body of JSON whitespace only is a miss like an empty one, for a value class, a JSON mapping
   * and the batch endpoint alike (it used to be a miss, a permanent failure and a permanent
   * failure).
   */
  @Test
  void lookup_blankBody_isAMissOnEveryPath() throws Exception {
    HttpLookup<String, Profile> byClass = lookups.open(profiles());
    SerializableFunction<JsonNode, String> idOf = node -> node.path("id").asText();
    HttpLookup<String, String> byTree =
        lookups.open(HttpLookup.get(api.base() + "/customers/{key}", String.class, idOf));
    HttpLookup<String, Profile> batch =
        lookups.open(profiles().withBatchEndpoint(api.base() + "/customers/blank"));

    assertThat(await(byClass.lookup("blank"))).isEmpty();
    assertThat(await(byTree.lookup("blank"))).isEmpty();
    assertThat(await(batch.lookupAll(List.of("c-1", "c-2")))).isEmpty();
  }

  @Test
  void lookup_pathInjectionAttempts_stayOneEncodedPathSegment() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());
    // tag::path-injection-keys[]
    List<String> attacks =
        List.of(
            "../admin",
            "c-1/../../etc/passwd",
            "c-1?admin=true",
            "c-1#fragment",
            "c-1%2F..%2Fadmin",
            "c-1\r\nX-Injected: 1",
            "c-ä ö/€");
    // end::path-injection-keys[]

    for (String attack : attacks) {
      api.requests.clear();
      Optional<Profile> found = await(lookup.lookup(attack));

      TestApi.Request request = api.requests.remove();
      String segment = request.rawPath().substring("/customers/".length());
      assertThat(segment).as(attack).doesNotContain("/", "?", "#", "%2E%2E%2F");
      assertThat(request.rawQuery()).as(attack).isNull();
      assertThat(URLDecoder.decode(segment, StandardCharsets.UTF_8)).isEqualTo(attack);
      assertThat(request.headers()).doesNotContainKey("X-injected");
      // The server saw the whole key as one id: c-… ids exist, others do not.
      assertThat(found.map(Profile::id)).as(attack).isIn(Optional.empty(), Optional.of(attack));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", ".."})
  void lookup_keysThatWouldNameAnotherResource_failWithoutARequest(String key) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException refused = failure(lookup.lookup(key));

    assertThat(refused.retryable()).isFalse();
    assertThat(api.requests).isEmpty();
  }

  @Test
  void lookup_keyInTheQuery_staysOneParameter() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(api.base() + "/lookup?id={key}&v=2", String.class, Profile.class));

    await(lookup.lookup("x&admin=true#y"));

    TestApi.Request request = api.requests.remove();
    assertThat(request.rawQuery()).isEqualTo("id=x%26admin%3Dtrue%23y&v=2");
  }

  @Test
  void lookup_headers_sentWithEveryRequest_supplierAskedEachTime_valuesNeverShown()
      throws Exception {
    AtomicInteger asked = new AtomicInteger();
    String token = "SECRET-MARKER-token-11";
    CrmToken.asked = asked;
    CrmToken.token = token;
    String baseUrl = api.base();
    // tag::auth-header[]
    HttpLookup<String, Profile> lookup =
        HttpLookup.get(baseUrl + "/customers/{key}", String.class, Profile.class)
            .withHeader("X-Client", "orders-enrichment")
            .withHeaderSupplier("Authorization", CrmToken::bearer) // asked per request
            .withRequestTimeout(Duration.ofSeconds(2))
            .withMaxConcurrentRequests(32);
    // end::auth-header[]
    lookups.open(lookup);

    await(lookup.lookup("c-1"));
    await(lookup.lookup("c-2"));

    assertThat(asked).hasValue(2);
    assertThat(api.requests)
        .allSatisfy(
            r -> {
              assertThat(r.headers().get("Authorization")).containsExactly("Bearer " + token);
              assertThat(r.headers().get("X-client")).containsExactly("orders-enrichment");
            });
    assertThat(lookup.toString())
        .contains("headers=[X-Client]", "headerSuppliers=[Authorization]")
        .doesNotContain(token)
        .doesNotContain("orders-enrichment");
  }

  @Test
  void lookup_headerSetTwice_sendsTheLastValue_andASupplierOfTheSameNameWins() throws Exception {
    HttpLookup<String, Profile> lookup =
        profiles()
            .withHeader("X-Client", "first")
            .withHeader("X-Client", "second")
            .withHeader("X-Tenant", "static")
            .withHeaderSupplier("X-Tenant", () -> "supplied");

    assertSends(lookup, "second", "supplied");
  }

  /**
   * Header names are case-insensitive (the JDK client keeps one value per name whatever its case):
   * a later call of another case replaces the earlier one, as a call of the same case does, for
   * fixed headers and suppliers alike, and the lookup lists the name once, as last given.
   */
  @Test
  void lookup_headerSetTwiceInAnotherCase_sendsTheLastValueOnce() throws Exception {
    HttpLookup<String, Profile> lookup =
        profiles()
            .withHeader("X-Client", "first")
            .withHeader("x-client", "second")
            .withHeader("X-Client", "third")
            .withHeaderSupplier("X-Tenant", () -> "first")
            .withHeaderSupplier("x-tenant", () -> "second")
            .withHeaderSupplier("X-Tenant", () -> "third");

    assertSends(lookup, "third", "third");
    assertThat(lookup.toString()).contains("headers=[X-Client]", "headerSuppliers=[X-Tenant]");
  }

  /** Opens {@code lookup}, looks c-1 up and checks the one value of each header it sent. */
  private void assertSends(HttpLookup<String, Profile> lookup, String client, String tenant)
      throws Exception {
    lookups.open(lookup);

    await(lookup.lookup("c-1"));

    assertThat(api.requests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.headers().get("X-client")).containsExactly(client);
              assertThat(r.headers().get("X-tenant")).containsExactly(tenant);
            });
  }

  /** Stands in for a token cache on the TaskManager. */
  static final class CrmToken {
    static AtomicInteger asked;
    static String token;

    static String bearer() {
      asked.incrementAndGet();
      return "Bearer " + token;
    }
  }

  @Test
  void lookup_failingHeaderSupplier_failsRetryablyWithoutARequest() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles()
                .withHeaderSupplier(
                    "Authorization",
                    () -> {
                      throw new IllegalStateException("SECRET-MARKER-vault-12");
                    }));

    HttpLookupException failed = failure(lookup.lookup("c-1"));

    assertThat(failed.retryable()).isTrue();
    assertThat(failed.getMessage())
        .contains("header supplier of 'Authorization' failed: IllegalStateException")
        .doesNotContain("SECRET");
    assertThat(api.requests).isEmpty();
  }

  /** A token cache not filled yet answers null: as a throw, retryable, and nothing is sent. */
  @Test
  void lookup_headerSupplierReturningNull_failsRetryablyWithoutARequest() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withHeaderSupplier("Authorization", () -> null));

    HttpLookupException failed = failure(lookup.lookup("c-1"));

    assertThat(failed.retryable()).isTrue();
    assertThat(failed.getMessage()).contains("header supplier of 'Authorization' returned null");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void lookupAll_batchEndpointSwitchedOffOnADerivedLookup_getsEachKey() throws Exception {
    HttpLookup<String, Profile> base = profiles().withBatchEndpoint(api.base() + "/batch");
    HttpLookup<String, Profile> lookup = base.withoutBatchEndpoint();
    lookups.open(lookup);

    Map<String, Profile> found = await(lookup.lookupAll(List.of("c-1", "c-2", "missing-1")));

    assertThat(lookup.supportsBatch()).isFalse();
    assertThat(lookup).hasToString(profiles().toString());
    assertThat(found).containsOnlyKeys("c-1", "c-2");
    assertThat(api.requests)
        .extracting(TestApi.Request::method)
        .containsExactly("GET", "GET", "GET");
    assertThat(base.supportsBatch()).isTrue();
  }

  @Test
  void lookupAll_batchEndpoint_postsDistinctKeysInChunksAndReadsTheObject() throws Exception {
    String baseUrl = api.base();
    // tag::batch-endpoint[]
    HttpLookup<String, Profile> lookup =
        HttpLookup.get(baseUrl + "/customers/{key}", String.class, Profile.class)
            .withBatchEndpoint(baseUrl + "/batch") // POST ["c-1","c-2"] -> {"c-1": {...}}
            .withMaxBatchKeys(100);
    // end::batch-endpoint[]
    lookups.open(lookup);
    List<String> keys = new ArrayList<>();
    Map<String, Profile> expected = new HashMap<>();
    for (int n = 0; n < 120; n++) {
      keys.add("c-" + n);
      keys.add("c-" + n);
      keys.add("missing-" + n);
      keys.add("null-" + n);
      expected.put("c-" + n, Profile.of("c-" + n));
    }

    Map<String, Profile> found = await(lookup.lookupAll(keys));

    assertThat(lookup.supportsBatch()).isTrue();
    assertThat(found).isEqualTo(expected);
    assertThat(api.requests).hasSize(4); // 360 distinct keys, 100 per request
    assertThat(api.requests).allSatisfy(r -> assertThat(r.method()).isEqualTo("POST"));
    assertThat(await(lookup.lookupAll(List.of()))).isEmpty();
  }

  /**
   * A call needing more requests than maxConcurrentRequests sends them in turn and succeeds; it
   * used to send them all at once and fail as overloaded every time, however often retried.
   */
  @Test
  void lookupAll_morePartsThanMaxConcurrentRequests_sendsThemInTurn() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles()
                .withBatchEndpoint(api.base() + "/batch")
                .withMaxBatchKeys(2)
                .withMaxConcurrentRequests(1));
    List<String> keys = List.of("c-1", "c-2", "c-3", "c-4", "c-5", "c-6", "c-7");

    Map<String, Profile> found = await(lookup.lookupAll(keys));

    assertThat(found).containsOnlyKeys(keys);
    assertThat(found.get("c-7")).isEqualTo(Profile.of("c-7"));
    assertThat(api.requests).hasSize(4);
  }

  /**
   * A {@code Content-Type} of the user's own (an API that wants a charset parameter) is the batch
   * request's only one. The lookup used to add its own beside it, and the request carried two.
   */
  @Test
  void lookupAll_contentTypeOfTheUser_isTheOnlyOne() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles()
                .withBatchEndpoint(api.base() + "/batch")
                .withHeader("content-type", "application/json; charset=utf-8"));

    assertThat(await(lookup.lookupAll(List.of("c-1", "c-2")))).containsOnlyKeys("c-1", "c-2");
    assertThat(api.requests)
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.headers().get("Content-type"))
                    .containsExactly("application/json; charset=utf-8"));
  }

  /**
   * Over cleartext http the JDK client's default (HTTP/2) asks every request to upgrade to h2c,
   * request bodies included; servers with h2c on (Netty, Reactor Netty, Helidon, Go's h2c) refuse
   * or break such an upgrade of a POST with a body (413, a GOAWAY), so every batch request would
   * fail. RFC 9113 dropped the upgrade: the lookup speaks HTTP/1.1 over http (HTTP/2 over https, by
   * ALPN).
   */
  @Test
  void requestsOverCleartextHttp_doNotAskForAnH2cUpgrade() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withBatchEndpoint(api.base() + "/batch"));

    await(lookup.lookup("c-1"));
    await(lookup.lookupAll(List.of("c-2", "c-3")));

    assertThat(api.requests).extracting(TestApi.Request::method).containsExactly("GET", "POST");
    assertThat(api.requests)
        .allSatisfy(
            r ->
                assertThat(r.headers().keySet())
                    .as("headers of the %s", r.method())
                    .noneMatch(
                        name ->
                            name.equalsIgnoreCase("Upgrade")
                                || name.equalsIgnoreCase("HTTP2-Settings")));
  }

  @Test
  void lookupAll_batchEndpointFailing_failsTheWholeCall() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withBatchEndpoint(api.base() + "/customers/status-503"));

    HttpLookupException failed = failure(lookup.lookupAll(List.of("c-1", "c-2")));

    assertThat(failed.retryable()).isTrue();
    assertThat(failed.statusCode()).hasValue(503);
  }

  /**
   * A batch call one of whose requests failed is over: its other requests are cancelled and their
   * places freed, so the retry of the call (or the next call) has them. They used to go on until
   * their responses or the request timeout, and the retry failed as overloaded.
   */
  @Test
  void lookupAll_onePartFailing_cancelsTheOtherParts_andFreesTheirPlaces() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles()
                .withBatchEndpoint(api.base() + "/batch")
                .withMaxBatchKeys(1)
                .withMaxConcurrentRequests(2),
            context);

    HttpLookupException failed = failure(lookup.lookupAll(List.of("slow", "fail-503")));

    assertThat(failed.statusCode()).hasValue(503);
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(0);
    assertThat(await(lookup.lookupAll(List.of("c-1", "c-2")))).containsOnlyKeys("c-1", "c-2");
    assertThat(context.count("httpLookup.rejectedRequests")).isZero();
  }

  @Test
  void lookupAll_withoutBatchEndpoint_getsEachKey() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    Map<String, Profile> found = await(lookup.lookupAll(List.of("c-1", "c-2", "unknown")));

    assertThat(lookup.supportsBatch()).isFalse();
    assertThat(found).containsOnlyKeys("c-1", "c-2");
    assertThat(api.requests).hasSize(3);
  }

  @Test
  void lookup_jsonNodeMapper_mapsTheTree_nullIsAMiss_exceptionIsPermanent() throws Exception {
    String baseUrl = api.base();
    // tag::json-node-mapper[]
    HttpLookup<String, String> names =
        HttpLookup.get(
            baseUrl + "/customers/{key}",
            String.class,
            node -> node.path("score").asInt() > 3 ? node.get("name").asText() : null);
    // end::json-node-mapper[]
    lookups.open(names);
    HttpLookup<String, String> throwing =
        lookups.open(
            HttpLookup.get(
                api.base() + "/customers/{key}",
                String.class,
                node -> {
                  throw new IllegalArgumentException(node.toString());
                }));

    assertThat(await(names.lookup("c-1234"))).contains("Customer c-1234");
    assertThat(await(names.lookup("c-1"))).isEmpty();
    HttpLookupException failed = failure(throwing.lookup("c-1"));
    assertThat(failed.retryable()).isFalse();
    assertThat(failed.getMessage()).doesNotContain("Customer");
  }

  /**
   * An {@link Error} while reading a response (here the value mapper's, as a class missing from the
   * job jar would give) completes the future with it, single and batched: the Lookup contract lets
   * an Error fail the task. It used to escape on the client's thread, and the future never
   * completed.
   */
  @Test
  void lookup_errorReadingTheValue_completesTheFutureWithTheError() throws Exception {
    SerializableFunction<JsonNode, String> broken =
        node -> {
          throw new NoClassDefFoundError("dev/example/MissingClass");
        };
    HttpLookup<String, String> single =
        lookups.open(HttpLookup.get(api.base() + "/customers/{key}", String.class, broken));
    HttpLookup<String, String> batch =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", String.class, broken)
                .withBatchEndpoint(api.base() + "/batch"));

    assertThat(catchThrowable(() -> single.lookup("c-1").get(5, TimeUnit.SECONDS)))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(NoClassDefFoundError.class);
    assertThat(
            catchThrowable(() -> batch.lookupAll(List.of("c-1", "c-2")).get(5, TimeUnit.SECONDS)))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(NoClassDefFoundError.class);
  }

  @Test
  void lookup_moreRequestsThanTheLimit_failAtOnceAsOverloaded() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withMaxConcurrentRequests(2), context);

    CompletableFuture<Optional<Profile>> first = lookup.lookup("slow-300");
    CompletableFuture<Optional<Profile>> second = lookup.lookup("slow-300");
    CompletableFuture<Optional<Profile>> third = lookup.lookup("c-1");

    assertThat(third).isCompletedExceptionally();
    HttpLookupException overloaded = failure(third);
    assertThat(overloaded.retryable()).isTrue();
    assertThat(overloaded).hasMessageContaining("overloaded");
    assertThat(context.count("httpLookup.rejectedRequests")).isEqualTo(1);
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(2);
    assertThat(await(first)).isPresent();
    assertThat(await(second)).isPresent();
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(0);
  }

  /**
   * Cancelling a lookup's future, single or batched, cancels its requests and frees their in-flight
   * slots at once. The requests used to go on, holding their slots (and connections) until the
   * response or the request timeout, so with the limit reached the next lookup failed as
   * overloaded.
   */
  @Test
  void lookup_cancelledFuture_freesItsSlotsAtOnce() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    HttpLookup<String, Profile> lookup =
        lookups.open(
            profiles()
                .withBatchEndpoint(api.base() + "/customers/slow") // answers after 2 s
                .withMaxBatchKeys(1)
                .withMaxConcurrentRequests(2),
            context);

    CompletableFuture<Optional<Profile>> single = lookup.lookup("slow");
    assertThat(single.cancel(true)).isTrue();
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(0);
    CompletableFuture<Map<String, Profile>> batch = lookup.lookupAll(List.of("c-1", "c-2"));
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(2);
    assertThat(batch.cancel(true)).isTrue();

    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(0);
    assertThat(await(lookup.lookup("c-1"))).contains(Profile.of("c-1"));
  }

  /**
   * Without a batch endpoint {@code lookupAll} sends one GET per key; cancelling its future must
   * cancel them as the class Javadoc promises for any future the lookup returned. They used to go
   * on (the inherited {@code Lookup.lookupAll} does not pass the cancellation on), holding their
   * slots.
   */
  @Test
  void lookupAll_withoutBatchEndpoint_cancelledFuture_freesItsSlotsAtOnce() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    HttpLookup<String, Profile> lookup =
        lookups.open(profiles().withMaxConcurrentRequests(2), context);

    CompletableFuture<Map<String, Profile>> both = lookup.lookupAll(List.of("slow", "slow-2001"));
    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(2);
    assertThat(both.cancel(true)).isTrue();

    assertThat(context.gauge("httpLookup.inFlightRequests")).isEqualTo(0);
    assertThat(await(lookup.lookup("c-1"))).contains(Profile.of("c-1"));
  }

  @Test
  void close_failsRequestsInFlightAtOnce_andLaterLookups() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());
    CompletableFuture<Optional<Profile>> slow = lookup.lookup("slow");
    Thread.sleep(100);

    lookup.close();

    assertThat(slow).isCompletedExceptionally();
    assertThat(failure(slow)).hasMessageContaining("closed");
    assertThat(failure(lookup.lookup("c-1")).retryable()).isFalse();
    lookup.close(); // idempotent
  }

  @Test
  void lookup_nothingListening_failsRetryably() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(
                "http://127.0.0.1:" + port + "/customers/{key}", String.class, Profile.class));

    HttpLookupException refused = failure(lookup.lookup("c-1"));

    assertThat(refused.retryable()).isTrue();
    assertThat(refused.statusCode()).isEmpty();
    assertThat(refused).hasMessageContaining("ConnectException");
  }

  /**
   * A server whose accept queue is full: the kernel drops further connection attempts, so they time
   * out. The failure names the timeout that ran out, connectTimeout, not requestTimeout.
   */
  @Test
  void lookup_connectTimingOut_failsRetryably_namingTheConnectTimeout() throws Exception {
    List<Socket> queued = new ArrayList<>();
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress address = new InetSocketAddress(full.getInetAddress(), full.getLocalPort());
      boolean queueFull = false;
      for (int i = 0; i < 10 && !queueFull; i++) {
        Socket socket = new Socket();
        queued.add(socket);
        try {
          socket.connect(address, 300);
        } catch (SocketTimeoutException dropped) {
          queueFull = true;
        }
      }
      assertThat(queueFull).as("connection attempts time out").isTrue();
      HttpLookup<String, Profile> lookup =
          lookups.open(
              HttpLookup.get(
                      "http://127.0.0.1:" + full.getLocalPort() + "/customers/{key}",
                      String.class,
                      Profile.class)
                  .withConnectTimeout(Duration.ofMillis(200))
                  .withRequestTimeout(Duration.ofSeconds(20)));

      HttpLookupException timedOut = failure(lookup.lookup("c-1"));

      assertThat(timedOut.retryable()).isTrue();
      assertThat(timedOut.statusCode()).isEmpty();
      assertThat(timedOut)
          .hasMessage(
              "HTTP lookup timed out connecting (connectTimeout PT0.2S):"
                  + " HttpConnectTimeoutException");
    } finally {
      for (Socket socket : queued) {
        socket.close();
      }
    }
  }

  @Test
  void lookup_beforeOpenOrWithANullKey_failsPermanently() throws Exception {
    assertThat(failure(profiles().lookup("c-1"))).hasMessageContaining("not open");
    assertThat(failure(profiles().lookupAll(List.of("c-1")))).hasMessageContaining("not open");
    HttpLookup<String, Profile> lookup = lookups.open(profiles());
    assertThat(failure(lookup.lookup(null)).retryable()).isFalse();
    HttpLookup<Integer, Profile> badFormat =
        lookups.open(
            HttpLookup.get(api.base() + "/customers/{key}", Integer.class, Profile.class)
                .withKeyFormat(k -> k > 0 ? "c-" + k : null));
    assertThat(await(badFormat.lookup(5))).contains(Profile.of("c-5"));
    assertThat(failure(badFormat.lookup(-1))).hasMessageContaining("returned null");
  }

  @Test
  void lookup_serializedWithTheJobGraph_worksAfterDeserialization() throws Exception {
    HttpLookup<String, Profile> original =
        profiles().withHeaderSupplier("Authorization", () -> "Bearer t");

    HttpLookup<String, Profile> copy = lookups.open(InstantiationUtil.clone(original));

    assertThat(await(copy.lookup("c-9"))).contains(Profile.of("c-9"));
    assertThat(copy.toString()).isEqualTo(original.toString());
  }
}
