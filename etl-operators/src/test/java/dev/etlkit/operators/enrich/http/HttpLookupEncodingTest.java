package dev.etlkit.operators.enrich.http;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.etlkit.operators.enrich.jdbc.LookupTesting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Response bodies read as they were sent. Bodies whose bytes are not Unicode text although Jackson
 * decodes them without complaint: an overlong UTF-8 form ({@code C0 AF} read as {@code /}), an
 * encoded UTF-16 surrogate ({@code ED A0 80}), a code point above U+10FFFF, and a UTF-16 body with
 * an unpaired surrogate. The JSON steps, Debezium decode and Avro's JSON reader refuse them ({@code
 * SafeJson.invalidUtf8}); so must the lookup, instead of putting a value into the record that the
 * API never sent. And a decimal keeps its digits on the batch path as on the single one.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpLookupEncodingTest {

  /** More digits than a double holds. */
  private static final String DIGITS = "0.10000000000000000555111512312578270211815834045410156251";

  /** A value with a decimal. */
  record Amount(BigDecimal amount) {}

  /** Bodies by key: each a profile whose name holds the bad bytes. */
  private static final Map<String, byte[]> BODIES =
      Map.of(
          "overlong", utf8Around(new byte[] {(byte) 0xC0, (byte) 0xAF}),
          "surrogate", utf8Around(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
          "beyond", utf8Around(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
          "utf16", utf16WithUnpairedSurrogate(),
          "good", "{\"id\":\"good\",\"name\":\"a/b\"}".getBytes(StandardCharsets.UTF_8),
          "decimal", ("{\"amount\":" + DIGITS + "}").getBytes(StandardCharsets.UTF_8));

  private static HttpServer server;
  private static ExecutorService threads;
  private final LookupTesting lookups = new LookupTesting();

  @BeforeAll
  static void startServer() throws IOException {
    threads = Executors.newFixedThreadPool(4);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/p/", HttpLookupEncodingTest::single);
    server.createContext("/batch", HttpLookupEncodingTest::batch);
    server.createContext("/gz/", HttpLookupEncodingTest::gzipped);
    server.setExecutor(threads);
    server.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
    threads.shutdownNow();
  }

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  private static String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static HttpLookup<String, Profile> profiles() {
    return HttpLookup.get(base() + "/p/{key}", String.class, Profile.class)
        .withBatchEndpoint(base() + "/batch");
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlong", "surrogate", "beyond", "utf16"})
  void lookup_bodyThatIsNotUnicodeText_failsPermanently(String key) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed =
        LookupTesting.failure(lookup.lookup(key), HttpLookupException.class);

    assertThat(failed.retryable()).isFalse();
    assertThat(failed.statusCode()).hasValue(200);
    assertThat(failed).hasMessageContaining("invalid UTF-");
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlong", "surrogate", "beyond", "utf16"})
  void lookupAll_batchBodyThatIsNotUnicodeText_failsPermanently(String key) throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    HttpLookupException failed =
        LookupTesting.failure(lookup.lookupAll(List.of(key)), HttpLookupException.class);

    assertThat(failed.retryable()).isFalse();
    assertThat(failed).hasMessageContaining("invalid UTF-");
  }

  @Test
  void lookup_validUtf8_isReadAsItIs() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(profiles());

    assertThat(await(lookup.lookup("good"))).contains(new Profile("good", "a/b", null));
    assertThat(await(lookup.lookupAll(List.of("good"))))
        .containsEntry("good", new Profile("good", "a/b", null));
  }

  /**
   * A decimal in a value class keeps every digit on both paths. The batch path read the response as
   * a tree first, where a JSON number with a fraction becomes a double, then bound the tree: the
   * single request gave the exact decimal and the batch endpoint a rounded one.
   */
  @Test
  void lookupAll_decimalOfTheValue_keepsEveryDigitAsTheSingleRequestDoes() throws Exception {
    HttpLookup<String, Amount> lookup =
        lookups.open(
            HttpLookup.get(base() + "/p/{key}", String.class, Amount.class)
                .withBatchEndpoint(base() + "/batch"));
    Amount exact = new Amount(new BigDecimal(DIGITS));

    assertThat(await(lookup.lookup("decimal"))).contains(exact);
    assertThat(await(lookup.lookupAll(List.of("decimal")))).containsEntry("decimal", exact);
  }

  /**
   * A user's {@code Accept-Encoding: gzip} header made servers compress every body, which the JDK
   * client hands over as it came: every lookup failed as "invalid UTF-8". The lookup reads bodies
   * as sent, so the header is refused where it is set.
   */
  @ParameterizedTest
  @ValueSource(strings = {"Accept-Encoding", "accept-encoding"})
  void acceptEncodingHeader_isRefused_theLookupDoesNotDecompressBodies(String name) {
    HttpLookup<String, Profile> lookup = profiles();

    assertThatThrownBy(() -> lookup.withHeader(name, "gzip"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "header '"
                + name
                + "' is not supported: the lookup reads response bodies as sent, it does not"
                + " decompress them");
    assertThatThrownBy(() -> lookup.withHeaderSupplier(name, () -> "gzip"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not supported");
  }

  /** A server compressing unasked: the failure names the encoding, not the bytes it produced. */
  @Test
  void responseWithAContentEncoding_failsPermanently_namingTheEncoding() throws Exception {
    HttpLookup<String, Profile> lookup =
        lookups.open(
            HttpLookup.get(base() + "/gz/{key}", String.class, Profile.class)
                .withBatchEndpoint(base() + "/gz/batch"));

    HttpLookupException single =
        LookupTesting.failure(lookup.lookup("good"), HttpLookupException.class);
    HttpLookupException batch =
        LookupTesting.failure(lookup.lookupAll(List.of("good")), HttpLookupException.class);

    for (HttpLookupException failed : List.of(single, batch)) {
      assertThat(failed.retryable()).isFalse();
      assertThat(failed.statusCode()).hasValue(200);
      assertThat(failed)
          .hasMessageContaining("Content-Encoding 'gzip', which the lookup does not decode");
    }
  }

  private static void gzipped(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(BODIES.get("good"));
    }
    byte[] body = compressed.toByteArray();
    try (exchange) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("Content-Encoding", "gzip");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] utf8Around(byte[] bad) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("{\"id\":\"x\",\"name\":\"a".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bad);
    out.writeBytes("b\"}".getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** {@code {"id":"x","name":"a<D800>b"}} in UTF-16BE: a high surrogate without its low one. */
  private static byte[] utf16WithUnpairedSurrogate() {
    String json = "{\"id\":\"x\",\"name\":\"a\uD800b\"}";
    byte[] out = new byte[json.length() * 2];
    for (int i = 0; i < json.length(); i++) {
      out[2 * i] = (byte) (json.charAt(i) >> 8);
      out[2 * i + 1] = (byte) json.charAt(i);
    }
    return out;
  }

  private static void single(HttpExchange exchange) throws IOException {
    String key = exchange.getRequestURI().getPath().substring("/p/".length());
    respond(exchange, BODIES.get(key));
  }

  /** The batch endpoint answers {@code {"<key>": <the key's single body>}}. */
  private static void batch(HttpExchange exchange) throws IOException {
    String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String key = request.substring(2, request.length() - 2); // ["key"]
    byte[] value = BODIES.get(key);
    if (key.equals("utf16")) {
      // The whole document in UTF-16 as well.
      String prefix = "{\"" + key + "\":";
      byte[] wrapped = new byte[2 * (prefix.length() + 1) + value.length];
      int at = 0;
      for (char c : (prefix).toCharArray()) {
        wrapped[at++] = (byte) (c >> 8);
        wrapped[at++] = (byte) c;
      }
      System.arraycopy(value, 0, wrapped, at, value.length);
      at += value.length;
      wrapped[at++] = 0;
      wrapped[at] = '}';
      respond(exchange, wrapped);
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("{\"" + key + "\":").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(value);
    out.writeBytes("}".getBytes(StandardCharsets.UTF_8));
    respond(exchange, out.toByteArray());
  }

  private static void respond(HttpExchange exchange, byte[] body) throws IOException {
    try (exchange) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
