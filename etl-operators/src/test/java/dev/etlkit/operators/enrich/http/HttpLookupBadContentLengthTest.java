package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.jdbc.LookupTesting;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 2xx response whose {@code Content-Length} is no number, from a server on a raw socket (the
 * JDK's test server always writes a valid one). It failed as "HTTP lookup failed unexpectedly:
 * java.lang.NumberFormatException", a name of a Java exception instead of what the server did.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpLookupBadContentLengthTest {

  private final LookupTesting lookups = new LookupTesting();

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  @Test
  void aContentLengthThatIsNoNumber_failsNamingTheHeader() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(
              () -> answer(server, "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n{}"));
      HttpLookup<String, Profile> lookup =
          lookups.open(
              HttpLookup.get(
                  "http://127.0.0.1:" + server.getLocalPort() + "/customers/{key}",
                  String.class,
                  Profile.class));

      HttpLookupException failed =
          LookupTesting.failure(lookup.lookup("c-1"), HttpLookupException.class);

      assertThat(failed)
          .hasMessage(
              "HTTP lookup got a response with a numeric header (Content-Length) that is no"
                  + " number")
          .hasMessageNotContaining("12abc");
      assertThat(failed.retryable()).as("a broken proxy on the way may heal").isTrue();
      served.get(10, TimeUnit.SECONDS);
    }
  }

  /** Accepts one connection, reads the request's head and writes {@code response}. */
  private static void answer(ServerSocket server, String response) {
    try (Socket socket = server.accept()) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        // the request's head; a GET has no body
      }
      OutputStream out = socket.getOutputStream();
      out.write(response.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
