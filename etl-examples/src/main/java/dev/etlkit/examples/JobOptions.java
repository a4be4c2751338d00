package dev.etlkit.examples;

import java.io.Serializable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The command line of {@link OrdersJob}. With no {@code --kafka} and {@code --jdbc} it runs on the
 * bundled sample (the optional first plain argument is the output directory); with both it runs
 * against the real systems:
 *
 * <pre>
 * --kafka host:port            Kafka bootstrap servers
 * --jdbc jdbc:postgresql://... the database with the fx_rates and customer_dimension tables;
 *                              user and password from $ETLKIT_JDBC_USER / $ETLKIT_JDBC_PASSWORD
 * --orders-topic orders        order events (JSON), keyed by order id
 * --customers-topic customers-cdc   Debezium change events of the customers table
 * --enriched-topic enriched-orders  enriched orders out (exactly once)
 * --dead-letter-topic dead-letters  dead letters out (exactly once): payload + error headers
 * --group-id etlkit-orders     the consumer group (offsets are committed on checkpoints)
 * --checkpoint-interval PT10S  how often checkpoints commit the Kafka transactions
 * --transaction-timeout PT15M  the Kafka transaction timeout: above (checkpoint interval +
 *                              checkpoint timeout) once, and once more per tolerated checkpoint
 *                              failure (checked when the job is built), + restart time, at most
 *                              the broker's transaction.max.timeout.ms (an int of milliseconds, so
 *                              never over 2147483647 ms)
 * --disorder PT5S              how far out of event-time order a Kafka partition may be; PT0S
 *                              for partitions in event-time order (monotonous timestamps)
 * --idleness PT1M              a partition without records this long stops holding back time
 * --bounded                    read the topics up to their current end, then finish
 * --max-future PT55M           an order or customer change dated further ahead of the clock is
 *                              a dead letter (both modes); 5 minutes under a Kafka broker's
 *                              default log.message.timestamp.after.max.ms (one hour), a margin
 *                              for TaskManager clocks running ahead of the brokers'
 * </pre>
 *
 * Durations are ISO-8601 ({@code PT10S}) or a number of milliseconds, and positive, but {@code
 * --disorder}, which may be zero. Every option above but {@code --kafka}, {@code --jdbc} and {@code
 * --max-future} acts only in real mode: given without {@code --kafka} and {@code --jdbc}, it fails
 * the parse instead of being ignored; and the output directory, the one plain argument, acts only
 * in the sample mode: given with them, it fails the parse too. The mode is checked before the
 * values, so a real-mode option in the sample mode is refused as such whatever its value. A valued
 * option needs a value that is neither empty nor another option: {@code --group-id --bounded} fails
 * rather than naming a group "--bounded". The four topics must differ: an output topic that is also
 * an input topic would feed the job its own output ({@code --dead-letter-topic orders}: every bad
 * order read back, rejected and written again, for ever).
 *
 * @param kafka bootstrap servers, or null for the sample
 * @param jdbcUrl the JDBC URL, or null for the sample
 * @param outputDir the sample mode's output directory, or null for the default
 * @param ordersTopic the topic of order events
 * @param customersTopic the topic of the customers' Debezium change events
 * @param enrichedTopic the topic the enriched orders go to
 * @param deadLetterTopic the topic the dead letters go to
 * @param groupId the Kafka consumer group
 * @param checkpointInterval the checkpoint interval
 * @param transactionTimeout the Kafka producer's transaction timeout
 * @param disorder the bound of the watermarks, per Kafka partition
 * @param idleness after how long without records a partition is idle
 * @param bounded whether to stop at the topics' current end
 * @param maxFuture how far ahead of the clock an order's {@code orderedAt}, or a customer change's
 *     {@code ts_ms}, may be when it is read
 */
public record JobOptions(
    @Nullable String kafka,
    @Nullable String jdbcUrl,
    @Nullable String outputDir,
    String ordersTopic,
    String customersTopic,
    String enrichedTopic,
    String deadLetterTopic,
    String groupId,
    Duration checkpointInterval,
    Duration transactionTimeout,
    Duration disorder,
    Duration idleness,
    boolean bounded,
    Duration maxFuture)
    implements Serializable {

  /** The environment variable holding the database user. */
  public static final String JDBC_USER_ENV = "ETLKIT_JDBC_USER";

  /** The environment variable holding the database password. */
  public static final String JDBC_PASSWORD_ENV = "ETLKIT_JDBC_PASSWORD";

  /** The default of {@code --max-future}. */
  public static final Duration DEFAULT_MAX_FUTURE = Duration.ofMinutes(55);

  private static final long serialVersionUID = 1L;

  /** The valued options that act only in real mode (with {@code --kafka} and {@code --jdbc}). */
  private static final List<String> REAL_MODE_VALUED =
      List.of(
          "--orders-topic",
          "--customers-topic",
          "--enriched-topic",
          "--dead-letter-topic",
          "--group-id",
          "--checkpoint-interval",
          "--transaction-timeout",
          "--disorder",
          "--idleness");

  private static final List<String> VALUED = valued();

  /** Every option, for the message of an unknown one: the valued ones and the flag. */
  private static final List<String> KNOWN = known();

  private static List<String> valued() {
    List<String> valued = new ArrayList<>(List.of("--kafka", "--jdbc"));
    valued.addAll(REAL_MODE_VALUED);
    valued.add("--max-future");
    return List.copyOf(valued);
  }

  private static List<String> known() {
    List<String> known = new ArrayList<>(VALUED);
    known.add("--bounded");
    return List.copyOf(known);
  }

  public JobOptions {
    requireBothOrNeither(kafka, jdbcUrl);
    requireDistinctTopics(ordersTopic, customersTopic, enrichedTopic, deadLetterTopic);
    if (transactionTimeout.compareTo(checkpointInterval) <= 0) {
      throw new IllegalArgumentException(
          "--transaction-timeout must be above --checkpoint-interval (plus the restart time), got "
              + transactionTimeout
              + " <= "
              + checkpointInterval);
    }
  }

  /** True when the job reads and writes Kafka and PostgreSQL. */
  public boolean realMode() {
    return kafka != null;
  }

  /**
   * Each of the four topics in a role of its own: an output topic that is an input topic feeds the
   * job its own output (a dead letter read back is rejected and written again, for ever), and one
   * input topic for both would decode every record as an order and as a customer change.
   */
  private static void requireDistinctTopics(String... topics) {
    String[] options = {
      "--orders-topic", "--customers-topic", "--enriched-topic", "--dead-letter-topic"
    };
    for (int i = 0; i < topics.length; i++) {
      for (int j = i + 1; j < topics.length; j++) {
        if (topics[i].equals(topics[j])) {
          throw new IllegalArgumentException(
              options[i]
                  + " and "
                  + options[j]
                  + " are both '"
                  + topics[i]
                  + "': the job reads two topics and writes two, each needs a topic of its own");
        }
      }
    }
  }

  private static void requireBothOrNeither(@Nullable String kafka, @Nullable String jdbcUrl) {
    if ((kafka == null) != (jdbcUrl == null)) {
      throw new IllegalArgumentException(
          "real mode needs both --kafka and --jdbc (the sample mode needs neither)");
    }
  }

  /**
   * Parses a command line. The mode comes first: only one of {@code --kafka} and {@code --jdbc}, a
   * real-mode option without them, or a plain argument with them fails before any value is checked.
   *
   * @throws IllegalArgumentException naming the unknown option (any argument starting with {@code
   *     -}: write a directory of that name as {@code ./-name}) or bad value (an empty one, or an
   *     option where a value belongs, too), an option given twice, the real-mode option given
   *     without {@code --kafka} and {@code --jdbc}, or the plain argument given with them
   */
  public static JobOptions parse(String... args) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> plain = new ArrayList<>();
    boolean bounded = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--bounded")) {
        if (bounded) {
          throw new IllegalArgumentException("option --bounded given twice");
        }
        bounded = true;
      } else if (VALUED.contains(arg)) {
        if (values.containsKey(arg)) {
          throw new IllegalArgumentException("option " + arg + " given twice");
        }
        values.put(arg, value(arg, i + 1 < args.length ? args[i + 1] : null));
        i++;
      } else if (arg.startsWith("-")) { // "-h" is no directory name: "./-h" is
        throw new IllegalArgumentException("unknown option " + arg + "; known: " + KNOWN);
      } else {
        plain.add(arg);
      }
    }
    requireOneMode(values, plain, bounded);
    if (plain.size() > 1) {
      throw new IllegalArgumentException("at most one output directory, got " + plain);
    }
    return new JobOptions(
        values.get("--kafka"),
        values.get("--jdbc"),
        plain.isEmpty() ? null : plain.get(0),
        values.getOrDefault("--orders-topic", "orders"),
        values.getOrDefault("--customers-topic", "customers-cdc"),
        values.getOrDefault("--enriched-topic", "enriched-orders"),
        values.getOrDefault("--dead-letter-topic", "dead-letters"),
        values.getOrDefault("--group-id", "etlkit-orders"),
        checkpointInterval(duration(values, "--checkpoint-interval", Duration.ofSeconds(10))),
        transactionTimeout(duration(values, "--transaction-timeout", Duration.ofMinutes(15))),
        disorder(parsedDuration(values, "--disorder", Duration.ofSeconds(5))),
        duration(values, "--idleness", Duration.ofMinutes(1)),
        bounded,
        maxFuture(duration(values, "--max-future", DEFAULT_MAX_FUTURE)));
  }

  /**
   * The value of {@code option}: neither missing, empty nor blank (an unset shell variable), nor
   * one of the options (a forgotten value would otherwise take the next option as its own).
   */
  private static String value(String option, @Nullable String value) {
    if (value == null || value.isBlank() || value.equals("--bounded") || VALUED.contains(value)) {
      throw new IllegalArgumentException(
          option
              + " needs a value"
              + (value == null ? "" : value.isBlank() ? ", got an empty one" : ", got " + value));
    }
    return value;
  }

  /** At least 1 ms: event times are whole milliseconds, so a smaller bound cannot be held. */
  private static Duration maxFuture(Duration bound) {
    if (bound.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(
          "--max-future must be at least 1 ms (event times are whole milliseconds), got " + bound);
    }
    return bound;
  }

  /** Refuses what the chosen mode would ignore: real-mode options, or the sample's output dir. */
  private static void requireOneMode(
      Map<String, String> values, List<String> plain, boolean bounded) {
    String kafka = values.get("--kafka");
    requireBothOrNeither(kafka, values.get("--jdbc"));
    if (kafka != null) {
      if (!plain.isEmpty()) {
        throw new IllegalArgumentException(
            "unexpected argument '"
                + plain.get(0)
                + "': the one plain argument is the output directory, for the sample mode only"
                + " (without --kafka and --jdbc)");
      }
      return;
    }
    for (String option : REAL_MODE_VALUED) {
      if (values.containsKey(option)) {
        throw realModeOnly(option);
      }
    }
    if (bounded) {
      throw realModeOnly("--bounded");
    }
  }

  private static IllegalArgumentException realModeOnly(String option) {
    return new IllegalArgumentException(
        option + " acts only in real mode: give --kafka and --jdbc too, or leave it out");
  }

  /** At most Integer.MAX_VALUE ms: Kafka's {@code transaction.timeout.ms} is an int. */
  private static Duration transactionTimeout(Duration timeout) {
    if (timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(
          "--transaction-timeout must be at most "
              + Integer.MAX_VALUE
              + " ms (Kafka's transaction.timeout.ms is an int), got "
              + timeout);
    }
    return timeout;
  }

  /** Flink's minimum checkpoint interval: 10 ms. */
  private static Duration checkpointInterval(Duration interval) {
    if (interval.compareTo(Duration.ofMillis(10)) < 0) {
      throw new IllegalArgumentException(
          "--checkpoint-interval must be at least 10 ms (Flink's minimum), got " + interval);
    }
    return interval;
  }

  /** Positive: a zero or negative duration fails naming the option. */
  private static Duration duration(Map<String, String> values, String option, Duration fallback) {
    Duration parsed = parsedDuration(values, option, fallback);
    if (parsed.isNegative() || parsed.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, got " + values.get(option));
    }
    return parsed;
  }

  /**
   * Zero or more: zero is the bound of partitions in event-time order (Flink's {@code
   * WatermarkStrategy.forMonotonousTimestamps()}).
   */
  private static Duration disorder(Duration bound) {
    if (bound.isNegative()) {
      throw new IllegalArgumentException("--disorder must not be negative, got " + bound);
    }
    return bound;
  }

  /**
   * The option's duration, ISO-8601 or milliseconds, of any sign; {@code fallback} if not given.
   */
  private static Duration parsedDuration(
      Map<String, String> values, String option, Duration fallback) {
    String value = values.get(option);
    if (value == null) {
      return fallback;
    }
    try {
      return value.chars().allMatch(Character::isDigit)
          ? Duration.ofMillis(Long.parseLong(value))
          : Duration.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(
          option + " must be an ISO-8601 duration (PT10S) or milliseconds, got '" + value + "'");
    }
  }
}
