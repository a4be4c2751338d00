package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.JsonReadLimits;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP lookup's options, URL template and status rules, without a server. */
class HttpLookupTest {

  private static final String TEMPLATE = "https://crm.example.com/customers/{key}";

  private static HttpLookup<String, Profile> profiles() {
    return HttpLookup.get(TEMPLATE, String.class, Profile.class);
  }

  private static void rejects(
      Function<HttpLookup<String, Profile>, HttpLookup<String, Profile>> option, String message) {
    assertThatThrownBy(() -> option.apply(profiles()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaults_areTheDocumentedConstants() {
    assertThat(profiles().toString())
        .isEqualTo(
            "HttpLookup{key=String, value=Profile, requestTimeout=PT5S, connectTimeout=PT2S,"
                + " headers=[], headerSuppliers=[], missStatuses=[404], readLimits="
                + JsonReadLimits.defaults()
                + ", maxConcurrentRequests=64, batchEndpoint=false, maxBatchKeys=100}");
    assertThat(profiles().supportsBatch()).isFalse();
  }

  @Test
  void withX_returnsANewLookup_andLeavesTheOriginalAsItWas() {
    HttpLookup<String, Profile> original = profiles();
    HttpLookup<String, Profile> changed =
        original
            .withRequestTimeout(Duration.ofMillis(300))
            .withConnectTimeout(Duration.ofMillis(100))
            .withHeader("X-Tenant", "t-1")
            .withHeaderSupplier("Authorization", () -> "Bearer x")
            .withMissStatuses(410, 404, 404)
            .withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(1000))
            .withMaxConcurrentRequests(8)
            .withBatchEndpoint("https://crm.example.com/customers:batchGet")
            .withMaxBatchKeys(50)
            .withKeyFormat(String::trim);

    assertThat(original.toString()).isEqualTo(profiles().toString());
    assertThat(changed.supportsBatch()).isTrue();
    assertThat(changed.toString())
        .contains(
            "requestTimeout=PT0.3S",
            "connectTimeout=PT0.1S",
            "headers=[X-Tenant]",
            "headerSuppliers=[Authorization]",
            "missStatuses=[404, 410]",
            "maxDocumentBytes=1000",
            "maxConcurrentRequests=8",
            "batchEndpoint=true",
            "maxBatchKeys=50")
        .doesNotContain("t-1")
        .doesNotContain("crm.example.com");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://crm.example.com/customers|urlTemplate must contain {key} exactly once, where the"
            + " key goes",
        "https://crm.example.com/{key}/{key}|urlTemplate must contain {key} exactly once, where the"
            + " key goes",
        "ftp://crm.example.com/{key}|urlTemplate must be an absolute http or https URL",
        "/customers/{key}|urlTemplate must be an absolute http or https URL",
        "https://{key}.example.com/x|urlTemplate must have {key} in its path or query, and no"
            + " fragment",
        "https://crm.example.com/x#{key}|urlTemplate must have {key} in its path or query, and no"
            + " fragment",
        "https://crm.example.com/a b/{key}|urlTemplate is not a valid URI"
      })
  void factory_rejectsBadTemplates_withoutRepeatingThem(String template, String message) {
    assertThatThrownBy(() -> HttpLookup.get(template, String.class, Profile.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void factory_acceptsTheKeyInTheQuery() {
    assertThat(
            UrlTemplate.parse("http://api.local:8080/lookup?id={key}&v=2").expand("a b").toString())
        .isEqualTo("http://api.local:8080/lookup?id=a%20b&v=2");
  }

  @Test
  void options_rejectValuesOutOfRange() {
    rejects(
        l -> l.withRequestTimeout(Duration.ZERO),
        "requestTimeout must be in [PT0.001S, PT10M], was PT0S");
    rejects(
        l -> l.withConnectTimeout(Duration.ofHours(1)),
        "connectTimeout must be in [PT0.001S, PT10M], was PT1H");
    rejects(l -> l.withMissStatuses(404, 200), "missStatuses must be in 400..599, was [404, 200]");
    assertThatThrownBy(() -> profiles().withMissStatuses((int[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("missStatuses");
    rejects(
        l -> l.withMaxConcurrentRequests(0), "maxConcurrentRequests must be in 1..10000, was 0");
    rejects(l -> l.withMaxBatchKeys(10_001), "maxBatchKeys must be in 1..10000, was 10001");
    rejects(
        l -> l.withBatchEndpoint("crm.example.com/batch"),
        "batchEndpoint must be an absolute http or https URL");
    rejects(
        l -> l.withHeader("Host", "evil.example.com"),
        "header 'Host' is not allowed: invalid name or value, or set by the client");
    rejects(
        l -> l.withHeader("X-Token", "SECRET-MARKER\r\nX-Injected: 1"),
        "header 'X-Token' is not allowed: invalid name or value, or set by the client");
    rejects(
        l -> l.withHeaderSupplier("Bad Name", () -> "v"),
        "header 'Bad Name' is not allowed: invalid name or value, or set by the client");
    assertThatThrownBy(() -> profiles().withKeyFormat(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> profiles().withReadLimits(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> HttpLookup.get(TEMPLATE, String.class, (Class<Profile>) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void encode_keepsUnreservedCharacters_andEncodesEverythingElse() {
    assertThat(UrlTemplate.encode("AZaz09-._~")).isEqualTo("AZaz09-._~");
    assertThat(UrlTemplate.encode("../a b?c#d&e=f/%"))
        .isEqualTo("..%2Fa%20b%3Fc%23d%26e%3Df%2F%25");
    assertThat(UrlTemplate.encode("é€")).isEqualTo("%C3%A9%E2%82%AC");
  }

  @Property(tries = 500)
  void expand_anyKey_isExactlyOnePathSegmentThatDecodesToTheKey(@ForAll String key) {
    if (key.isEmpty() || key.equals(".") || key.equals("..")) {
      return;
    }
    UrlTemplate template = UrlTemplate.parse("https://h.example/customers/{key}/profile");
    if (!new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(key)) {
      // A lone surrogate: UTF-8 has no form for it (getBytes gives '?'), so no URL is the key's.
      assertThatThrownBy(() -> template.expand(key))
          .isInstanceOf(HttpLookupException.class)
          .matches(e -> !((HttpLookupException) e).retryable());
      return;
    }
    String expected = key;
    URI uri = template.expand(key);

    String[] segments = uri.getRawPath().split("/", -1);
    assertThat(segments).hasSize(4);
    assertThat(segments[1]).isEqualTo("customers");
    assertThat(segments[3]).isEqualTo("profile");
    assertThat(segments[2]).matches("[A-Za-z0-9._~%-]+");
    assertThat(URLDecoder.decode(segments[2], StandardCharsets.UTF_8)).isEqualTo(expected);
    assertThat(uri.getRawQuery()).isNull();
    assertThat(uri.getRawFragment()).isNull();
    assertThat(uri.getHost()).isEqualTo("h.example");
  }

  /** Two distinct keys never share a URL: one with a lone surrogate used to expand as {@code ?}. */
  @Test
  void expand_keyWithALoneSurrogate_failsInsteadOfTakingTheUrlOfAnotherKey() {
    UrlTemplate template = UrlTemplate.parse("http://api.example.com/customers/{key}");

    assertThat(template.expand("c-?").toString()).endsWith("/customers/c-%3F");
    assertThatThrownBy(() -> template.expand("c-\uD800"))
        .isInstanceOf(HttpLookupException.class)
        .hasMessage(
            "HTTP lookup key formats to text with a lone surrogate, which has no UTF-8 form");
    assertThatThrownBy(() -> template.expand("\uDC00c")).isInstanceOf(HttpLookupException.class);
    assertThat(template.expand("c-\uD83D\uDE00").toString()).endsWith("/customers/c-%F0%9F%98%80");
  }

  @Test
  void status_retryableFor408_429And5xx_only() {
    for (int status = 300; status <= 599; status++) {
      boolean expected = status == 408 || status == 429 || status >= 500;
      assertThat(HttpFailures.status(status, null).retryable())
          .as("status %d", status)
          .isEqualTo(expected);
    }
  }

  @Test
  void retryAfter_readsSecondsAndHttpDates() {
    assertThat(RetryAfterHeader.retryAfter(headers("120"))).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfterHeader.retryAfter(headers("-5"))).isEqualTo(Duration.ZERO);
    String inAMinute =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(60));
    assertThat(RetryAfterHeader.retryAfter(headers(inAMinute)))
        .isBetween(Duration.ofSeconds(50), Duration.ofSeconds(61));
    assertThat(RetryAfterHeader.retryAfter(headers("soon"))).isNull();
    assertThat(RetryAfterHeader.retryAfter(HttpHeaders.of(Map.of(), (a, b) -> true))).isNull();
  }

  /**
   * {@code delay-seconds} is any run of digits: one too long for a {@code long} asks for a very
   * long wait (the step caps it at a year), not for none. It used to be unreadable, so the retry
   * came after the plain backoff, against the server's word.
   */
  @Test
  void retryAfter_secondsBeyondALong_isTheLongestWait() {
    assertThat(RetryAfterHeader.retryAfter(headers("99999999999999999999")))
        .isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(RetryAfterHeader.retryAfter(headers(" 9223372036854775808 ")))
        .isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
  }

  /**
   * An HTTP date may come in any of the three forms RFC 9110 (5.6.7) says a recipient must accept:
   * the obsolete RFC 850 and asctime forms were unreadable, so the retry did not wait.
   */
  @Test
  void retryAfter_readsTheObsoleteHttpDateForms() {
    ZonedDateTime inAMinute = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60);
    String rfc850 =
        DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US).format(inAMinute);
    String asctime =
        DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).format(inAMinute);

    assertThat(RetryAfterHeader.retryAfter(headers(rfc850)))
        .as(rfc850)
        .isBetween(Duration.ofSeconds(50), Duration.ofSeconds(61));
    assertThat(RetryAfterHeader.retryAfter(headers(asctime)))
        .as(asctime)
        .isBetween(Duration.ofSeconds(50), Duration.ofSeconds(61));
    assertThat(RetryAfterHeader.retryAfter(headers("Sunday, 06-Nov-94 08:49:37 GMT")))
        .isEqualTo(Duration.ZERO);
    assertThat(RetryAfterHeader.retryAfter(headers("Sun Nov  6 08:49:37 1994")))
        .isEqualTo(Duration.ZERO);
  }

  private static HttpHeaders headers(String retryAfter) {
    return HttpHeaders.of(Map.of("Retry-After", List.of(retryAfter)), (a, b) -> true);
  }
}
