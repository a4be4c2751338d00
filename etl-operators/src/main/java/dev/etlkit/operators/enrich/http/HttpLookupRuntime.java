package dev.etlkit.operators.enrich.http;

import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.DaemonThreads;
import dev.etlkit.operators.enrich.internal.async.FutureFailures;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.flink.util.function.SerializableSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An opened {@link HttpLookup} on one subtask: a JDK {@link HttpClient} sending asynchronously, a
 * bound on requests in flight, and the classification of what comes back.
 *
 * <p>Each request is bounded, from sending to the last byte of its body, by the request timeout:
 * the JDK's own timeout bounds only the wait for the headers, and a body that stalls would
 * otherwise hold its in-flight slot for ever. A timer of the lookup's own fails such a request as
 * timed out and cancels it.
 *
 * <p>The client runs on an executor of the lookup's own, shut down by {@link #close()}: the JDK's
 * default one keeps a thread per concurrent request alive for 60 s after the last use, and each
 * would hold the job's class loader past a restart. Java 21 and later shut the client's selector
 * thread down too; Java 17 has no way to, and that thread ends once the client is garbage.
 */
final class HttpLookupRuntime<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpLookupRuntime.class);

  /** A content coding named in a failure: a short token, never other header text. */
  private static final Pattern ENCODING_TOKEN = Pattern.compile("[A-Za-z0-9._-]{1,32}");

  /** How long an idle client thread stays. */
  private static final long IDLE_THREAD_SECONDS = 60;

  /** {@code HttpClient.shutdownNow()} (Java 21 and later), or null. */
  @Nullable private static final MethodHandle SHUTDOWN_NOW = shutdownNow();

  /** What the runtime needs of its {@link HttpLookup}, resolved when it is opened. */
  static final class Plan<K, V> {
    UrlTemplate template;
    @Nullable URI batchUri;
    SerializableFunction<K, String> keyFormat;
    ResponseReader<V> reader;
    Duration connectTimeout;
    Duration requestTimeout;
    Map<String, String> headers;
    Map<String, SerializableSupplier<String>> headerSuppliers;
    boolean[] missStatuses;
    int maxConcurrentRequests;
    int maxBatchKeys;
    int maxDocumentBytes;
    MetricGroup metricGroup;
    int subtask;
  }

  private final ThreadPoolExecutor executor;

  /** Ends requests and drained bodies at the request timeout; one thread, started on first use. */
  private final ScheduledThreadPoolExecutor timer;

  private final HttpClient client;
  private final LimitedBodies bodies;
  private final ResponseReader<V> reader;
  private final UrlTemplate template;
  @Nullable private final URI batchUri;
  private final SerializableFunction<K, String> keyFormat;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final String[] headerNames;
  private final String[] headerValues;
  private final String[] supplierNames;
  private final List<SerializableSupplier<String>> suppliers;
  private final boolean[] missStatuses;
  private final int maxConcurrentRequests;
  private final int maxBatchKeys;
  private final AtomicInteger inFlightCount = new AtomicInteger();
  private final Set<Exchange<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final HttpLookupMetrics metrics;
  private volatile boolean closed;

  HttpLookupRuntime(Plan<K, V> plan) {
    // Like the JDK's default executor (a thread per concurrent task, idle ones end), but ours.
    this.executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            IDLE_THREAD_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            new DaemonThreads("etlkit-http-lookup-" + plan.subtask + "-"));
    this.timer =
        new ScheduledThreadPoolExecutor(
            1, new DaemonThreads("etlkit-http-lookup-" + plan.subtask + "-timer-"));
    timer.setRemoveOnCancelPolicy(true);
    this.client =
        HttpClient.newBuilder()
            .executor(executor)
            .connectTimeout(plan.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.bodies =
        new LimitedBodies(
            plan.maxDocumentBytes,
            timer,
            plan.requestTimeout.toNanos(),
            plan.maxConcurrentRequests);
    this.reader = plan.reader;
    this.template = plan.template;
    this.batchUri = plan.batchUri;
    this.keyFormat = plan.keyFormat;
    this.requestTimeout = plan.requestTimeout;
    this.connectTimeout = plan.connectTimeout;
    this.headerNames = plan.headers.keySet().toArray(new String[0]);
    this.headerValues = plan.headers.values().toArray(new String[0]);
    this.supplierNames = plan.headerSuppliers.keySet().toArray(new String[0]);
    this.suppliers = new ArrayList<>(plan.headerSuppliers.values());
    this.missStatuses = plan.missStatuses;
    this.maxConcurrentRequests = plan.maxConcurrentRequests;
    this.maxBatchKeys = plan.maxBatchKeys;
    this.metrics = new HttpLookupMetrics(plan.metricGroup, inFlightCount);
  }

  CompletableFuture<Optional<V>> lookup(K key) {
    SingleExchange exchange = new SingleExchange(new CompletableFuture<>());
    HttpRequest request;
    try {
      request = request(template.expand(format(key)), null).GET().build();
    } catch (HttpLookupException e) {
      exchange.result.completeExceptionally(e);
      return exchange.result;
    }
    send(exchange, request);
    return exchange.result;
  }

  /**
   * Without a batch endpoint: one {@link #lookup} per key, as {@code Lookup.lookupAll} does, except
   * that cancelling the result cancels the requests (and frees their slots), as for any other
   * future of this lookup, and that each key fails for itself: when some keys' requests failed the
   * result fails with a {@link PartialLookupException} holding the others' answers (an {@link
   * Error} of any of them fails the whole call with it).
   */
  CompletableFuture<Map<K, V>> lookupEach(Collection<K> keys) {
    List<K> ordered = new ArrayList<>(keys);
    List<CompletableFuture<Optional<V>>> calls = new ArrayList<>(ordered.size());
    for (K key : ordered) {
      calls.add(lookup(key));
    }
    CompletableFuture<Map<K, V>> result =
        CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
            .handle((ignored, anyFailure) -> BatchAnswers.ofEach(ordered, calls));
    result.whenComplete(
        (ignored, error) -> {
          if (error instanceof CancellationException) {
            calls.forEach(call -> call.cancel(true));
          }
        });
    return result;
  }

  /**
   * One request per {@code maxBatchKeys} distinct formatted keys, at most {@code
   * maxConcurrentRequests} of them at a time: the rest follow as those answer, so a call with more
   * parts than the limit can succeed (it used to send them all at once and fail as overloaded every
   * time). Any part failing fails the call with that part's exception and cancels the others. A key
   * that cannot be formatted fails alone: the others are asked, and the call fails with a {@link
   * PartialLookupException} holding their answers and that key's failure (or, if their request
   * failed, that failure for each of them beside that key's own). Keys formatting to the same text
   * are asked once, as that text, and each gets its answer.
   */
  CompletableFuture<Map<K, V>> lookupAll(Collection<K> keys) {
    Map<String, K> byName = new LinkedHashMap<>();
    Map<K, Throwable> unsendable = null;
    // A key whose text an earlier key has already (twins[i]), and that earlier key (firsts[i]).
    List<K> twins = null;
    List<K> firsts = null;
    for (K key : keys) {
      String name;
      try {
        name = format(key);
      } catch (HttpLookupException e) {
        if (unsendable == null) {
          unsendable = new HashMap<>();
        }
        unsendable.put(key, e);
        continue;
      }
      K first = byName.putIfAbsent(name, key);
      if (first != null) {
        if (twins == null) {
          twins = new ArrayList<>();
          firsts = new ArrayList<>();
        }
        twins.add(key);
        firsts.add(first);
      }
    }
    if (byName.isEmpty()) {
      return unsendable == null
          ? CompletableFuture.completedFuture(new HashMap<>())
          : CompletableFuture.failedFuture(PartialLookupException.of(new HashMap<>(), unsendable));
    }
    List<Map<String, K>> chunks = new ArrayList<>();
    Map<String, K> chunk = new LinkedHashMap<>();
    for (Map.Entry<String, K> entry : byName.entrySet()) {
      chunk.put(entry.getKey(), entry.getValue());
      if (chunk.size() == maxBatchKeys) {
        chunks.add(chunk);
        chunk = new LinkedHashMap<>();
      }
    }
    if (!chunk.isEmpty()) {
      chunks.add(chunk);
    }
    CompletableFuture<Map<K, V>> sent =
        chunks.size() == 1
            ? post(chunks.get(0))
            : new BatchCall<>(chunks, this::post, maxConcurrentRequests).start();
    return unsendable == null && twins == null
        ? sent
        : BatchAnswers.completing(sent, byName.values(), twins, firsts, unsendable);
  }

  private CompletableFuture<Map<K, V>> post(Map<String, K> chunk) {
    BatchExchange exchange = new BatchExchange(chunk, new CompletableFuture<>());
    if (chunk.isEmpty()) {
      exchange.result.complete(new HashMap<>());
      return exchange.result;
    }
    HttpRequest request;
    try {
      byte[] body = reader.mapper().writeValueAsBytes(chunk.keySet());
      request =
          request(batchUri, "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
    } catch (HttpLookupException e) {
      exchange.result.completeExceptionally(e);
      return exchange.result;
    } catch (IOException e) {
      exchange.result.completeExceptionally(HttpFailures.unexpected(e));
      return exchange.result;
    }
    send(exchange, request);
    return exchange.result;
  }

  private String format(@Nullable K key) {
    if (key == null) {
      throw HttpFailures.permanent("HTTP lookup key is null");
    }
    String formatted;
    try {
      formatted = keyFormat.apply(key);
    } catch (RuntimeException e) {
      throw HttpFailures.withTraceOf(
          e,
          HttpFailures.permanent("HTTP lookup key format failed: " + e.getClass().getSimpleName()));
    }
    if (formatted == null) {
      throw HttpFailures.permanent("HTTP lookup key format returned null");
    }
    return formatted;
  }

  /**
   * A request with the timeout and headers; header suppliers are asked now. The user's headers
   * replace the lookup's {@code Accept} and {@code Content-Type}. Over cleartext {@code http} it is
   * HTTP/1.1: the client's default, HTTP/2, would ask every request, bodies included, to upgrade to
   * h2c, which RFC 9113 dropped and h2c servers refuse for a request with a body (413).
   */
  private HttpRequest.Builder request(URI uri, @Nullable String contentType) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json");
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      builder.version(HttpClient.Version.HTTP_1_1);
    }
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    for (int i = 0; i < headerNames.length; i++) {
      builder.setHeader(headerNames[i], headerValues[i]);
    }
    for (int i = 0; i < supplierNames.length; i++) {
      String value;
      try {
        value = suppliers.get(i).get();
      } catch (RuntimeException e) {
        throw HttpFailures.withTraceOf(
            e,
            new HttpLookupException(
                "HTTP lookup header supplier of '"
                    + supplierNames[i]
                    + "' failed: "
                    + e.getClass().getSimpleName(),
                true,
                0,
                null));
      }
      if (value == null) {
        // a token cache not filled yet: as a throw, retryable
        throw new HttpLookupException(
            "HTTP lookup header supplier of '" + supplierNames[i] + "' returned null",
            true,
            0,
            null);
      }
      try {
        builder.setHeader(supplierNames[i], value);
      } catch (RuntimeException e) {
        throw HttpFailures.permanent(
            "HTTP lookup header supplier of '" + supplierNames[i] + "' returned an invalid value");
      }
    }
    return builder;
  }

  private void send(Exchange<?> exchange, HttpRequest request) {
    if (closed) {
      exchange.result.completeExceptionally(HttpFailures.closed());
      return;
    }
    if (inFlightCount.incrementAndGet() > maxConcurrentRequests) {
      inFlightCount.decrementAndGet();
      metrics.rejected();
      exchange.result.completeExceptionally(HttpFailures.overloaded(maxConcurrentRequests));
      return;
    }
    inFlight.add(exchange);
    if (closed) { // close() ran in between: whoever removes the exchange completes it
      if (exchange.finish()) {
        exchange.result.completeExceptionally(HttpFailures.closed());
      }
      return;
    }
    // A caller cancelling the result cancels the request and frees its slot.
    exchange.result.whenComplete(
        (ignored, error) -> {
          if (error instanceof CancellationException) {
            exchange.cancel();
          }
        });
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = client.sendAsync(request, bodies);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    exchange.sent = sent;
    sent.whenComplete(exchange);
    if (!inFlight.contains(exchange)) {
      sent.cancel(true); // cancelled or closed before the request was known: cancel it now
    } else {
      exchange.startDeadline();
    }
  }

  /**
   * Fails the requests in flight and cancels them, cancels the drains of non-2xx bodies (a
   * connection left draining keeps the client and its selector thread), and stops the client's
   * threads; later lookups fail as closed. Idempotent.
   */
  void close() {
    closed = true;
    for (Exchange<?> exchange : inFlight) {
      if (exchange.finish()) {
        exchange.result.completeExceptionally(HttpFailures.closed());
        CompletableFuture<?> sent = exchange.sent;
        if (sent != null) {
          sent.cancel(true);
        }
      }
    }
    if (SHUTDOWN_NOW != null) {
      try {
        SHUTDOWN_NOW.invokeExact(client);
      } catch (Throwable e) {
        LOG.warn("HTTP lookup client did not shut down ({})", e.getClass().getName());
      }
    }
    timer.shutdownNow();
    bodies.close(); // after the timer: a drain it drops would run on with no deadline
    executor.shutdownNow();
  }

  @Nullable
  private static MethodHandle shutdownNow() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(HttpClient.class, "shutdownNow", MethodType.methodType(void.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null; // before Java 21
    }
  }

  /** One request and the future it completes. */
  private abstract class Exchange<R> implements BiConsumer<HttpResponse<byte[]>, Throwable> {
    final CompletableFuture<R> result;
    @Nullable volatile CompletableFuture<HttpResponse<byte[]>> sent;
    @Nullable private volatile ScheduledFuture<?> deadline;

    Exchange(CompletableFuture<R> result) {
      this.result = result;
    }

    /** Leaves the in-flight set; true for the one caller that then completes the result. */
    boolean finish() {
      if (inFlight.remove(this)) {
        inFlightCount.decrementAndGet();
        ScheduledFuture<?> d = deadline;
        if (d != null) {
          d.cancel(false);
        }
        return true;
      }
      return false;
    }

    /** Arms the request timeout for the whole exchange, body included. */
    void startDeadline() {
      try {
        deadline = timer.schedule(this::expire, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return; // closed: close() completes the exchange
      }
      if (!inFlight.contains(this)) {
        deadline.cancel(false); // finished before it was armed
      }
    }

    /** Frees the slot of an exchange whose result the caller cancelled, and cancels its request. */
    void cancel() {
      if (finish()) {
        CompletableFuture<?> request = sent;
        if (request != null) {
          request.cancel(true);
        }
      }
    }

    /** Fails the exchange as timed out and cancels its request, unless it ended meanwhile. */
    private void expire() {
      if (finish()) {
        result.completeExceptionally(HttpFailures.timedOut(requestTimeout));
        CompletableFuture<?> request = sent;
        if (request != null) {
          request.cancel(true);
        }
      }
    }

    /** The result of a response, or a {@link HttpLookupException} saying why there is none. */
    abstract R onResponse(HttpResponse<byte[]> response, int status);

    @Override
    public final void accept(@Nullable HttpResponse<byte[]> response, @Nullable Throwable error) {
      if (!finish()) {
        return; // closed meanwhile
      }
      try {
        if (error != null) {
          Throwable cause = FutureFailures.unwrap(error);
          result.completeExceptionally(
              cause instanceof Error
                  ? cause
                  : HttpFailures.of(cause, requestTimeout, connectTimeout));
        } else {
          result.complete(onResponse(response, response.statusCode()));
        }
      } catch (HttpLookupException e) {
        result.completeExceptionally(e);
      } catch (RuntimeException e) {
        result.completeExceptionally(HttpFailures.unexpected(e));
      } catch (Error e) {
        // Thrown here it would only end this callback's own future: the result would never
        // complete. Completing it with the Error fails the task, as the Lookup contract says.
        result.completeExceptionally(e);
      }
    }
  }

  private static boolean isSuccess(int status) {
    return status >= 200 && status <= 299;
  }

  /**
   * Fails on a body sent with a {@code Content-Encoding} other than {@code identity}: the JDK
   * client hands bodies over as they came, and the lookup asks for no encoding. The failure names
   * the encoding only when it is a plain token.
   */
  private static void requireNoContentEncoding(HttpResponse<byte[]> response, int status) {
    Optional<String> encoding = response.headers().firstValue("Content-Encoding");
    if (encoding.isEmpty() || encoding.get().isBlank()) {
      return;
    }
    String name = encoding.get().trim();
    if (name.equalsIgnoreCase("identity")) {
      return;
    }
    throw new HttpLookupException(
        "HTTP lookup response (status "
            + status
            + ") has Content-Encoding "
            + (ENCODING_TOKEN.matcher(name).matches() ? "'" + name + "'" : "of another form")
            + ", which the lookup does not decode",
        false,
        status,
        null);
  }

  private static HttpLookupException statusFailure(HttpResponse<byte[]> response, int status) {
    return HttpFailures.status(status, RetryAfterHeader.retryAfter(response.headers()));
  }

  private final class SingleExchange extends Exchange<Optional<V>> {
    SingleExchange(CompletableFuture<Optional<V>> result) {
      super(result);
    }

    @Override
    Optional<V> onResponse(HttpResponse<byte[]> response, int status) {
      if (isSuccess(status)) {
        requireNoContentEncoding(response, status);
        return Optional.ofNullable(reader.value(response.body(), status));
      }
      if (status >= 400 && status <= 599 && missStatuses[status - 400]) {
        return Optional.empty();
      }
      throw statusFailure(response, status);
    }
  }

  private final class BatchExchange extends Exchange<Map<K, V>> {
    private final Map<String, K> keysByName;

    BatchExchange(Map<String, K> keysByName, CompletableFuture<Map<K, V>> result) {
      super(result);
      this.keysByName = keysByName;
    }

    @Override
    Map<K, V> onResponse(HttpResponse<byte[]> response, int status) {
      if (isSuccess(status)) {
        requireNoContentEncoding(response, status);
        return reader.values(response.body(), status, keysByName);
      }
      throw statusFailure(response, status);
    }
  }
}
