package dev.etlkit.operators.enrich.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A JSON API on loopback for the HTTP lookup tests (the JDK's own HTTP server). {@code GET
 * /customers/<id>} answers by the id: {@code c-…} a profile, {@code status-<code>} that status,
 * {@code slow} after two seconds ({@code slow-<ms>} after {@code ms}), a blank body ({@code
 * blank}), and a few broken bodies; {@code POST /batch} answers an array of ids with an object of
 * the {@code c-…} ones (503 at once if one is {@code fail-503}, after two seconds if one is {@code
 * slow}). Every request is recorded.
 */
final class TestApi implements AutoCloseable {
  static final String SECRET = "SECRET-MARKER-body-7f3a";

  /** What the server saw of one request. */
  record Request(
      String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(16);
  final Queue<Request> requests = new ConcurrentLinkedQueue<>();

  TestApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/customers/", this::customer);
    server.createContext("/lookup", this::byQuery);
    server.createContext("/batch", this::batch);
    server.setExecutor(threads);
    server.start();
  }

  /** The base URL, {@code http://127.0.0.1:<port>}. */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void record(HttpExchange exchange) {
    requests.add(
        new Request(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestURI().getRawQuery(),
            Map.copyOf(exchange.getRequestHeaders())));
  }

  private void customer(HttpExchange exchange) throws IOException {
    record(exchange);
    String id = exchange.getRequestURI().getPath().substring("/customers/".length());
    try (exchange) {
      if (id.startsWith("retry-after-")) {
        exchange.getResponseHeaders().add("Retry-After", "7");
        exchange.sendResponseHeaders(Integer.parseInt(id.substring("retry-after-".length())), -1);
        return;
      }
      if (id.startsWith("status-")) {
        int status = Integer.parseInt(id.substring("status-".length()));
        if (status == 429 || status == 503) {
          exchange.getResponseHeaders().add("Retry-After", "7");
        }
        if (status / 100 == 3) {
          exchange.getResponseHeaders().add("Location", base() + "/customers/c-1");
        }
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      if (id.startsWith("slow")) {
        sleep(id.equals("slow") ? 2_000 : Long.parseLong(id.substring("slow-".length())));
        json(exchange, 200, profile(id));
        return;
      }
      switch (id) {
        case "malformed":
          json(exchange, 200, "{\"id\": \"x\", \"name\": \"" + SECRET);
          return;
        case "wrong-type":
          json(exchange, 200, "{\"id\": {\"nested\": \"" + SECRET + "\"}, \"name\": 1}");
          return;
        case "not-json":
          json(exchange, 200, SECRET + " is not json");
          return;
        case "null":
          json(exchange, 200, "null");
          return;
        case "empty":
          exchange.sendResponseHeaders(204, -1);
          return;
        case "blank":
          json(exchange, 200, " \r\n\t ");
          return;
        case "deep":
          json(exchange, 200, "[".repeat(500) + "]".repeat(500));
          return;
        case "huge":
          json(exchange, 200, hugeProfile());
          return;
        case "huge-chunked":
          byte[] body = hugeProfile().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, 0); // chunked: no Content-Length
          try (OutputStream out = exchange.getResponseBody()) {
            for (int at = 0; at < body.length; at += 8192) {
              out.write(body, at, Math.min(8192, body.length - at));
            }
          } catch (IOException clientWentAway) {
            // expected: the client stops reading at its limit
          }
          return;
        default:
          if (id.startsWith("c-") || id.startsWith("echo")) {
            json(exchange, 200, profile(id));
          } else {
            exchange.sendResponseHeaders(404, -1);
          }
      }
    }
  }

  /** {@code GET /lookup?id=<id>&…}: the profile of the decoded id. */
  private void byQuery(HttpExchange exchange) throws IOException {
    record(exchange);
    try (exchange) {
      json(exchange, 200, profile("by-query"));
    }
  }

  private void batch(HttpExchange exchange) throws IOException {
    record(exchange);
    try (exchange) {
      JsonNode ids = JSON.readTree(exchange.getRequestBody());
      ObjectNode found = JSON.createObjectNode();
      for (JsonNode id : ids) {
        String text = id.asText();
        if (text.equals("fail-503")) {
          exchange.sendResponseHeaders(503, -1);
          return;
        }
        if (text.equals("slow")) {
          sleep(2_000);
        }
        if (text.startsWith("c-")) {
          found.set(text, JSON.readTree(profile(text)));
        } else if (text.startsWith("null-")) {
          found.putNull(text);
        }
      }
      json(exchange, 200, JSON.writeValueAsString(found));
    }
  }

  private static String profile(String id) throws IOException {
    ObjectNode node = JSON.valueToTree(Profile.of(id));
    node.put("unknownField", "ignored");
    return JSON.writeValueAsString(node);
  }

  private static String hugeProfile() {
    return "{\"id\": \"huge\", \"name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";
  }

  private static void json(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
