package dev.etlkit.operators.enrich.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * A {@link Lookup} in an HTTP/JSON API: {@code GET} one URL per key, answered asynchronously by the
 * JDK's {@link java.net.http.HttpClient}, the JSON body read with Jackson into the value.
 *
 * <pre>{@code
 * HttpLookup<String, Customer> customers =
 *     HttpLookup.get("https://crm.example.com/customers/{key}", String.class, Customer.class)
 *         .withHeaderSupplier("Authorization", () -> "Bearer " + System.getenv("CRM_TOKEN"))
 *         .withRequestTimeout(Duration.ofMillis(500));
 * }</pre>
 *
 * <h2>Requests and responses</h2>
 *
 * <ul>
 *   <li>The key, formatted by {@link #withKeyFormat} ({@code String.valueOf} by default), replaces
 *       {@code {key}} in the URL template percent-encoded: every byte of its UTF-8 form except
 *       {@code A-Z a-z 0-9 - . _ ~}, so a key never adds a path segment, a query parameter or a
 *       fragment ({@code ../admin} becomes {@code ..%2Fadmin}). Keys that format to an empty
 *       string, {@code .} or {@code ..} fail permanently.
 *   <li>2xx: the body is the value (JSON {@code null}, an empty body or one of whitespace only is a
 *       miss). Unknown JSON properties are ignored. A body over {@link
 *       JsonReadLimits#maxDocumentBytes()} is not read past the limit and fails permanently, as do
 *       one that is not valid JSON for the value and one that is not Unicode text (bytes Jackson
 *       would decode anyway: an overlong UTF-8 form, an encoded or unpaired surrogate).
 *   <li>Miss statuses ({@link #withMissStatuses}, default 404): a miss.
 *   <li>408, 429 and 5xx: a retryable {@link HttpLookupException} with the status and the {@code
 *       Retry-After} the server sent; any other status, such as other 4xx and 3xx (redirects are
 *       not followed): permanent.
 *   <li>No complete response within {@link #withRequestTimeout requestTimeout}, or a connection
 *       error: a retryable {@link HttpLookupException}. The timeout bounds each request from
 *       sending to the last byte of its body; the enrichment step's own timeout bounds the whole
 *       call. The body of a non-2xx response is not read into memory: it is drained in the
 *       background (to keep the connection), at most {@code maxDocumentBytes} and {@code
 *       requestTimeout}, and at most {@code maxConcurrentRequests} bodies at once (a further one
 *       closes its connection instead).
 * </ul>
 *
 * <p>Over {@code https} requests use HTTP/2 where the server offers it, else HTTP/1.1; over
 * cleartext {@code http} they use HTTP/1.1 and ask for no upgrade to h2c.
 *
 * <p>This lookup neither retries nor caches (the enrichment step does). At most {@link
 * #withMaxConcurrentRequests maxConcurrentRequests} requests are in flight per subtask; beyond that
 * a lookup fails at once with a retryable "overloaded" exception. Cancelling a future this lookup
 * returned cancels its requests and frees their places at once.
 *
 * <p>With {@link #withBatchEndpoint} it answers many keys per request ({@link #supportsBatch()}):
 * {@code POST} of a JSON array of formatted keys, answered by a JSON object from formatted key to
 * value (absent or null: a miss), at most {@link #withMaxBatchKeys maxBatchKeys} keys per request.
 * Miss statuses do not apply to the batch endpoint: any status but 2xx fails the call. A key that
 * cannot be sent (its {@link #withKeyFormat format} throws or returns null) fails alone: the call
 * completes with a {@link dev.etlkit.operators.enrich.PartialLookupException} holding the other
 * keys' answers (or, if their request failed, failing each of them with its failure), and the step
 * takes that key's failure on its own. Without a batch endpoint, {@code lookupAll} makes one {@code
 * GET} per key, and each key whose request fails fails alone that way.
 *
 * <p>Header values, the URL and response bodies never appear in {@code toString()}, logs or
 * exception messages. Immutable: every {@code withX} returns a new, unopened lookup and checks its
 * own value.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class HttpLookup<K, V> implements Lookup<K, V> {
  private static final long serialVersionUID = 1L;

  /** Longest time from sending a request to the last byte of its response's body. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /** Longest wait for a new connection. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Requests in flight per subtask. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

  /** Keys per batch request. */
  public static final int DEFAULT_MAX_BATCH_KEYS = 100;

  /** Statuses that mean "no value for this key". */
  public static final int DEFAULT_MISS_STATUS = 404;

  public static final int MAX_CONCURRENT_REQUESTS = 10_000;
  public static final int MAX_BATCH_KEYS = 10_000;
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
  static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

  // Never reassigned after a copy is returned: withX() copies, then sets one field.
  private UrlTemplate template;
  private Class<K> keyType;
  @Nullable private Class<V> valueType;
  @Nullable private SerializableFunction<JsonNode, V> valueMapper;
  private SerializableFunction<K, String> keyFormat = String::valueOf;
  private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private LinkedHashMap<String, String> headers = new LinkedHashMap<>();
  private LinkedHashMap<String, SerializableSupplier<String>> headerSuppliers =
      new LinkedHashMap<>();
  private int[] missStatuses = {DEFAULT_MISS_STATUS};
  private JsonReadLimits readLimits = JsonReadLimits.defaults();
  private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
  @Nullable private String batchEndpoint;
  private int maxBatchKeys = DEFAULT_MAX_BATCH_KEYS;

  @Nullable private transient volatile HttpLookupRuntime<K, V> runtime;

  private HttpLookup() {}

  /**
   * Looks keys up with {@code GET}, reading the body as {@code valueType} with Jackson.
   *
   * @param urlTemplate an absolute http(s) URL with {@code {key}} once in its path or query, e.g.
   *     {@code https://crm.example.com/customers/{key}}
   * @param keyType the key's class (for type inference; keys are formatted by {@link
   *     #withKeyFormat})
   * @param valueType a class Jackson can read, such as a record or a POJO
   */
  public static <K, V> HttpLookup<K, V> get(
      String urlTemplate, Class<K> keyType, Class<V> valueType) {
    HttpLookup<K, V> lookup = create(urlTemplate, keyType);
    lookup.valueType = Objects.requireNonNull(valueType, "valueType");
    return lookup;
  }

  /**
   * Looks keys up with {@code GET}, mapping the body's JSON tree with {@code valueMapper}; a null
   * result is a miss, an exception a permanent failure.
   */
  public static <K, V> HttpLookup<K, V> get(
      String urlTemplate, Class<K> keyType, SerializableFunction<JsonNode, V> valueMapper) {
    HttpLookup<K, V> lookup = create(urlTemplate, keyType);
    lookup.valueMapper = Objects.requireNonNull(valueMapper, "valueMapper");
    return lookup;
  }

  private static <K, V> HttpLookup<K, V> create(String urlTemplate, Class<K> keyType) {
    HttpLookup<K, V> lookup = new HttpLookup<>();
    lookup.template = UrlTemplate.parse(urlTemplate);
    lookup.keyType = Objects.requireNonNull(keyType, "keyType");
    return lookup;
  }

  /**
   * How a key becomes the text put into the URL (and into batch requests). Keys that format to the
   * same text get the same answer, the text's: a batch request asks the text once, for all of them.
   */
  public HttpLookup<K, V> withKeyFormat(SerializableFunction<K, String> keyFormat) {
    HttpLookup<K, V> copy = copy();
    copy.keyFormat = Objects.requireNonNull(keyFormat, "keyFormat");
    return copy;
  }

  /**
   * Longest time from sending a request to the last byte of its response's body; then the lookup
   * fails (retryable) and the request is cancelled. Default {@link #DEFAULT_REQUEST_TIMEOUT}.
   *
   * @throws IllegalArgumentException if not in [1 ms, 10 min]
   */
  public HttpLookup<K, V> withRequestTimeout(Duration timeout) {
    HttpLookup<K, V> copy = copy();
    copy.requestTimeout = inRange(timeout, "requestTimeout");
    return copy;
  }

  /**
   * Longest wait for a new connection. Default {@link #DEFAULT_CONNECT_TIMEOUT}.
   *
   * @throws IllegalArgumentException if not in [1 ms, 10 min]
   */
  public HttpLookup<K, V> withConnectTimeout(Duration timeout) {
    HttpLookup<K, V> copy = copy();
    copy.connectTimeout = inRange(timeout, "connectTimeout");
    return copy;
  }

  /**
   * A header sent with every request. It is part of the serialized job graph: pass secrets with
   * {@link #withHeaderSupplier} instead. Each call adds a header; a second call with the same name,
   * in any case ({@code X-Client}, {@code x-client}: header names are case-insensitive), replaces
   * it, name and value, and a {@link #withHeaderSupplier} of the same name in any case wins over
   * it.
   *
   * @throws IllegalArgumentException if the JDK client would refuse the header (invalid name or
   *     value, or one it sets itself such as {@code Host} or {@code Content-Length}), or for {@code
   *     Accept-Encoding}: the lookup reads bodies as sent and does not decompress them
   */
  public HttpLookup<K, V> withHeader(String name, String value) {
    requireHeader(name, Objects.requireNonNull(value, "value"));
    HttpLookup<K, V> copy = copy();
    copy.headers = withHeaderEntry(headers, name, value);
    return copy;
  }

  /**
   * A header whose value {@code supplier} gives for each request, on the calling thread: for
   * credentials such as {@code Authorization}, read on the TaskManager (an environment variable, a
   * mounted file, a token cache). It must return quickly and never block; cache tokens and refresh
   * them in the background. It is called on the task thread and the step's timer thread, possibly
   * at the same time, so it must be thread-safe. Its exception, or a null value, fails the lookup
   * (retryable). Each call adds a header; a second call with the same name, in any case, replaces
   * it, name and supplier.
   *
   * @throws IllegalArgumentException if the JDK client would refuse the header name, or for {@code
   *     Accept-Encoding}
   */
  public HttpLookup<K, V> withHeaderSupplier(String name, SerializableSupplier<String> supplier) {
    requireHeader(name, "v");
    HttpLookup<K, V> copy = copy();
    copy.headerSuppliers =
        withHeaderEntry(headerSuppliers, name, Objects.requireNonNull(supplier, "supplier"));
    return copy;
  }

  /**
   * The statuses that mean "no value for this key" for single-key requests; default {@value
   * #DEFAULT_MISS_STATUS}. None: every 4xx and 5xx is a failure. Replaces the statuses of an
   * earlier call; a status given twice counts once.
   *
   * @throws IllegalArgumentException if a status is not in 400..599
   */
  public HttpLookup<K, V> withMissStatuses(int... statuses) {
    Objects.requireNonNull(statuses, "missStatuses");
    for (int status : statuses) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException(
            "missStatuses must be in 400..599, was " + Arrays.toString(statuses));
      }
    }
    HttpLookup<K, V> copy = copy();
    copy.missStatuses = Arrays.stream(statuses).sorted().distinct().toArray();
    return copy;
  }

  /** Limits on response bodies (size, nesting, string and number length); default defaults. */
  public HttpLookup<K, V> withReadLimits(JsonReadLimits limits) {
    HttpLookup<K, V> copy = copy();
    copy.readLimits = Objects.requireNonNull(limits, "limits");
    return copy;
  }

  /**
   * Requests in flight per subtask; beyond them a lookup fails at once (retryable). Default {@value
   * #DEFAULT_MAX_CONCURRENT_REQUESTS}.
   *
   * @throws IllegalArgumentException if not in 1..{@value #MAX_CONCURRENT_REQUESTS}
   */
  public HttpLookup<K, V> withMaxConcurrentRequests(int maxConcurrentRequests) {
    HttpLookup<K, V> copy = copy();
    copy.maxConcurrentRequests =
        inRange(maxConcurrentRequests, MAX_CONCURRENT_REQUESTS, "maxConcurrentRequests");
    return copy;
  }

  /**
   * Answers {@link #lookupAll} with {@code POST}s of JSON arrays of formatted keys to {@code url},
   * each answered by a JSON object from formatted key to value. Default: none, see {@link
   * #withoutBatchEndpoint()}; a second call replaces the URL.
   *
   * @throws IllegalArgumentException unless an absolute http(s) URL
   */
  public HttpLookup<K, V> withBatchEndpoint(String url) {
    UrlTemplate.requireHttpUrl(url, "batchEndpoint");
    HttpLookup<K, V> copy = copy();
    copy.batchEndpoint = url;
    return copy;
  }

  /**
   * No batch endpoint (the default): {@link #supportsBatch()} is false, so an enrichment step calls
   * {@link #lookup} per key and refuses a micro-batch, and {@link #lookupAll} makes one {@code GET}
   * per key. Undoes {@link #withBatchEndpoint} on a lookup derived from one that has it; {@link
   * #withMaxBatchKeys} is kept but unused.
   */
  public HttpLookup<K, V> withoutBatchEndpoint() {
    HttpLookup<K, V> copy = copy();
    copy.batchEndpoint = null;
    return copy;
  }

  /**
   * Keys per batch request; default {@value #DEFAULT_MAX_BATCH_KEYS}.
   *
   * @throws IllegalArgumentException if not in 1..{@value #MAX_BATCH_KEYS}
   */
  public HttpLookup<K, V> withMaxBatchKeys(int maxBatchKeys) {
    HttpLookup<K, V> copy = copy();
    copy.maxBatchKeys = inRange(maxBatchKeys, MAX_BATCH_KEYS, "maxBatchKeys");
    return copy;
  }

  /** True when a {@linkplain #withBatchEndpoint batch endpoint} is set. */
  @Override
  public boolean supportsBatch() {
    return batchEndpoint != null;
  }

  /**
   * True: every future this lookup returns is its own, and cancelling it cancels its requests and
   * frees their places under {@link #withMaxConcurrentRequests maxConcurrentRequests} at once. So a
   * call the step's attempt timeout ({@link
   * dev.etlkit.operators.enrich.LookupRetry#withAttemptTimeout}) ended no longer holds a place its
   * retry needs, nor does one whose records the step timeout all answered.
   */
  @Override
  public boolean supportsCancellation() {
    return true;
  }

  /**
   * Creates the HTTP client and the JSON mapper.
   *
   * @throws IllegalStateException if already open
   */
  @Override
  public void open(LookupContext context) {
    if (runtime != null) {
      throw new IllegalStateException("HTTP lookup is already open");
    }
    HttpLookupRuntime.Plan<K, V> plan = new HttpLookupRuntime.Plan<>();
    plan.template = template;
    plan.batchUri = batchEndpoint == null ? null : URI.create(batchEndpoint);
    plan.keyFormat = keyFormat;
    plan.reader = new ResponseReader<>(readLimits, valueType, valueMapper);
    plan.connectTimeout = connectTimeout;
    plan.requestTimeout = requestTimeout;
    plan.headers = headers;
    plan.headerSuppliers = headerSuppliers;
    plan.missStatuses = new boolean[200];
    for (int status : missStatuses) {
      plan.missStatuses[status - 400] = true;
    }
    plan.maxConcurrentRequests = maxConcurrentRequests;
    plan.maxBatchKeys = maxBatchKeys;
    plan.maxDocumentBytes = readLimits.maxDocumentBytes();
    plan.metricGroup = context.metricGroup();
    plan.subtask = context.subtaskIndex();
    runtime = new HttpLookupRuntime<>(plan);
  }

  /**
   * Sends the request and returns at once; the future completes on an HTTP client thread with the
   * value, with empty for a miss, or with an {@link HttpLookupException}. An {@link Error}, such as
   * one thrown by the value mapper, completes it as it is (it fails the task).
   */
  @Override
  public CompletableFuture<Optional<V>> lookup(K key) {
    HttpLookupRuntime<K, V> opened = runtime;
    if (opened == null) {
      return CompletableFuture.failedFuture(notOpen());
    }
    return opened.lookup(key);
  }

  /**
   * With a batch endpoint: one {@code POST} per {@link #withMaxBatchKeys maxBatchKeys} distinct
   * keys, at most {@link #withMaxConcurrentRequests maxConcurrentRequests} at a time (the rest as
   * those answer); a failure of any fails the call and cancels the others. Without: one {@code GET}
   * per key.
   */
  @Override
  public CompletableFuture<Map<K, V>> lookupAll(Collection<K> keys) {
    HttpLookupRuntime<K, V> opened = runtime;
    if (opened == null) {
      return CompletableFuture.failedFuture(notOpen());
    }
    if (batchEndpoint == null) {
      return opened.lookupEach(keys);
    }
    return opened.lookupAll(keys);
  }

  /**
   * Fails and cancels the requests in flight, stops draining the bodies of non-2xx responses
   * (closing their connections) and stops the client's threads (on Java 17, which cannot shut an
   * {@code HttpClient} down, its selector thread ends once the lookup is garbage). Idempotent.
   */
  @Override
  public void close() {
    HttpLookupRuntime<K, V> opened = runtime;
    if (opened != null) {
      opened.close();
    }
  }

  private static HttpLookupException notOpen() {
    return new HttpLookupException("HTTP lookup is not open: call open() first", false, 0, null);
  }

  private HttpLookup<K, V> copy() {
    HttpLookup<K, V> copy = new HttpLookup<>();
    copy.template = template;
    copy.keyType = keyType;
    copy.valueType = valueType;
    copy.valueMapper = valueMapper;
    copy.keyFormat = keyFormat;
    copy.requestTimeout = requestTimeout;
    copy.connectTimeout = connectTimeout;
    copy.headers = headers;
    copy.headerSuppliers = headerSuppliers;
    copy.missStatuses = missStatuses;
    copy.readLimits = readLimits;
    copy.maxConcurrentRequests = maxConcurrentRequests;
    copy.batchEndpoint = batchEndpoint;
    copy.maxBatchKeys = maxBatchKeys;
    return copy;
  }

  /**
   * A copy of {@code entries} with {@code name} set to {@code value}, replacing an entry whose name
   * differs only in case: header names are case-insensitive, and the JDK client keeps one value per
   * name, so an entry left behind would send whichever of them came later in the map.
   */
  private static <T> LinkedHashMap<String, T> withHeaderEntry(
      LinkedHashMap<String, T> entries, String name, T value) {
    LinkedHashMap<String, T> copy = new LinkedHashMap<>(entries);
    copy.keySet().removeIf(name::equalsIgnoreCase);
    copy.put(name, value);
    return copy;
  }

  private static void requireHeader(String name, String value) {
    if ("Accept-Encoding".equalsIgnoreCase(name)) {
      throw new IllegalArgumentException(
          "header '"
              + name
              + "' is not supported: the lookup reads response bodies as sent, it does not"
              + " decompress them");
    }
    try {
      HttpRequest.newBuilder().header(Objects.requireNonNull(name, "name"), value);
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote the value.
      throw new IllegalArgumentException(
          "header '" + name + "' is not allowed: invalid name or value, or set by the client");
    }
  }

  private static int inRange(int value, int max, String option) {
    if (value < 1 || value > max) {
      throw new IllegalArgumentException(option + " must be in 1.." + max + ", was " + value);
    }
    return value;
  }

  private static Duration inRange(Duration value, String option) {
    if (value == null || value.compareTo(MIN_TIMEOUT) < 0 || value.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          option + " must be in [" + MIN_TIMEOUT + ", " + MAX_TIMEOUT + "], was " + value);
    }
    return value;
  }

  /** The settings, without the URL, header values or key format. */
  @Override
  public String toString() {
    return "HttpLookup{key="
        + keyType.getSimpleName()
        + ", value="
        + (valueType != null ? valueType.getSimpleName() : "JsonNode mapper")
        + ", requestTimeout="
        + requestTimeout
        + ", connectTimeout="
        + connectTimeout
        + ", headers="
        + headers.keySet()
        + ", headerSuppliers="
        + headerSuppliers.keySet()
        + ", missStatuses="
        + Arrays.toString(missStatuses)
        + ", readLimits="
        + readLimits
        + ", maxConcurrentRequests="
        + maxConcurrentRequests
        + ", batchEndpoint="
        + (batchEndpoint != null)
        + ", maxBatchKeys="
        + maxBatchKeys
        + "}";
  }
}
