package dev.etlkit.operators.enrich.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A JSON API on loopback (the JDK's own HTTP server) whose {@code GET <path>/<key>} answers {@code
 * body(key)} at once, or, for the keys {@code hangs} accepts, never (until {@link #close()}): a
 * server that stopped answering. A key {@code hangs} accepts that starts with {@value
 * #STALLED_BODY} gets a 503 with 10 of its 100 bytes of body first: a response whose body stalls.
 * Its threads are named {@link #THREAD_PREFIX}{@code <n>}.
 */
public final class HangingServer implements AutoCloseable {
  public static final String THREAD_PREFIX = "test-server-";

  /** The prefix of keys answered by a 503 whose body stalls after 10 of its 100 bytes. */
  public static final String STALLED_BODY = "stalled-body-";

  private final Predicate<String> hangs;
  private final Function<String, String> body;
  private final String path;
  private final CountDownLatch released = new CountDownLatch(1);
  private final Semaphore hanging = new Semaphore(0);
  private final ExecutorService threads;
  private final HttpServer server;

  public HangingServer(String path, Predicate<String> hangs, Function<String, String> body)
      throws IOException {
    this.path = path;
    this.hangs = hangs;
    this.body = body;
    AtomicInteger n = new AtomicInteger();
    threads =
        Executors.newCachedThreadPool(r -> new Thread(r, THREAD_PREFIX + n.incrementAndGet()));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(path + "/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** The URL template of the keys: {@code http://127.0.0.1:<port><path>/{key}}. */
  public String urlTemplate() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path + "/{key}";
  }

  /** Waits for {@code n} requests that hang, at most {@code timeout}. */
  public boolean awaitHanging(int n, Duration timeout) throws InterruptedException {
    return hanging.tryAcquire(n, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String key = exchange.getRequestURI().getPath().substring(path.length() + 1);
    try (exchange) {
      if (hangs.test(key)) {
        if (key.startsWith(STALLED_BODY)) {
          exchange.sendResponseHeaders(503, 100);
          OutputStream out = exchange.getResponseBody();
          out.write(new byte[10]);
          out.flush();
        }
        hanging.release();
        released.await();
        return;
      }
      byte[] bytes = body.apply(key).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets the hanging requests go (unanswered) and stops the server. */
  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
