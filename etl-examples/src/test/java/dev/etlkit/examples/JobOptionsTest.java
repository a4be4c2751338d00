package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

  private static final String[] REAL = {"--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"};

  @Test
  void parse_noArguments_isTheSampleMode() {
    JobOptions options = JobOptions.parse();

    assertThat(options.realMode()).isFalse();
    assertThat(options.outputDir()).isNull();
  }

  @Test
  void parse_onePlainArgument_isTheOutputDirectory() {
    assertThat(JobOptions.parse("out").outputDir()).isEqualTo("out");
  }

  @Test
  void parse_kafkaAndJdbc_isRealMode_withDefaults() {
    JobOptions options = JobOptions.parse(REAL);

    assertThat(options.realMode()).isTrue();
    assertThat(options.ordersTopic()).isEqualTo("orders");
    assertThat(options.customersTopic()).isEqualTo("customers-cdc");
    assertThat(options.enrichedTopic()).isEqualTo("enriched-orders");
    assertThat(options.deadLetterTopic()).isEqualTo("dead-letters");
    assertThat(options.groupId()).isEqualTo("etlkit-orders");
    assertThat(options.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(options.disorder()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.idleness()).isEqualTo(Duration.ofMinutes(1));
    assertThat(options.bounded()).isFalse();
  }

  @Test
  void parse_durations_isoOrMilliseconds() {
    JobOptions options =
        JobOptions.parse(
            "--kafka", "k", "--jdbc", "j", "--checkpoint-interval", "200", "--disorder", "PT1M");

    assertThat(options.checkpointInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(options.disorder()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void parse_onlyOneOfKafkaAndJdbc_fails() {
    assertThatThrownBy(() -> JobOptions.parse("--kafka", "k:9092"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("real mode needs both --kafka and --jdbc (the sample mode needs neither)");
    assertThatThrownBy(() -> JobOptions.parse("--jdbc", "j", "out", "--group-id", "g"))
        .as("before what either mode would refuse")
        .hasMessage("real mode needs both --kafka and --jdbc (the sample mode needs neither)");
  }

  @Test
  void parse_unknownOption_fails_namingIt() {
    assertThatThrownBy(() -> JobOptions.parse("--kafak", "k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kafak");
  }

  @Test
  void parse_optionWithoutValue_fails() {
    assertThatThrownBy(() -> JobOptions.parse("--kafka"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kafka needs a value");
  }

  @Test
  void parse_badDuration_fails_namingOptionAndValue() {
    assertThatThrownBy(
            () -> JobOptions.parse("--kafka", "k", "--jdbc", "j", "--disorder", "5 seconds"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--disorder")
        .hasMessageContaining("5 seconds");
    assertThatThrownBy(() -> JobOptions.parse("--kafka", "k", "--jdbc", "j", "--idleness", "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }

  @Test
  void parse_transactionTimeoutNotAboveCheckpointInterval_fails() {
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    "--kafka",
                    "k",
                    "--jdbc",
                    "j",
                    "--checkpoint-interval",
                    "PT1M",
                    "--transaction-timeout",
                    "PT1M"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--transaction-timeout must be above --checkpoint-interval");
  }

  @Test
  void parse_twoPlainArguments_fails() {
    assertThatThrownBy(() -> JobOptions.parse("a", "b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The cluster page lists every option and the tables' DDL as the code has them. */
  @Test
  void runningOnAClusterPage_listsEveryOption_andTheTablesDdl() throws Exception {
    String page = Files.readString(docs().resolve("running-on-a-cluster.md"));

    for (String option :
        new String[] {
          "--kafka",
          "--jdbc",
          "--orders-topic",
          "--customers-topic",
          "--enriched-topic",
          "--dead-letter-topic",
          "--group-id",
          "--checkpoint-interval",
          "--transaction-timeout",
          "--disorder",
          "--idleness",
          "--bounded"
        }) {
      assertThat(page).as(option).contains("| `" + option);
      if (!option.equals("--bounded")) {
        assertThatThrownBy(() -> JobOptions.parse(option))
            .as("the parser knows " + option)
            .hasMessageContaining("needs a value");
      }
    }
    assertThat(page).contains(PostgresIo.FX_RATES_DDL).contains(PostgresIo.DIMENSION_DDL);
  }

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    return dir.resolve("docs");
  }

  @Test
  void parse_aShortFlagOrDashArgument_isRefused_notTakenAsTheOutputDirectory() {
    for (String dash : new String[] {"-h", "-bounded", "-"}) {
      assertThatThrownBy(() -> JobOptions.parse(dash))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("unknown option " + dash + ";");
    }
    assertThat(JobOptions.parse("./-out").outputDir())
        .as("a path that needs it")
        .isEqualTo("./-out");
  }

  @Test
  void parse_anOptionGivenTwice_isRefusedNamingIt() {
    assertThatThrownBy(
            () -> JobOptions.parse(concat(REAL, "--disorder", "PT5S", "--disorder", "PT9S")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("option --disorder given twice");
    assertThatThrownBy(() -> JobOptions.parse("--kafka", "a", "--jdbc", "j", "--kafka", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("option --kafka given twice");
  }

  @Test
  void parse_theBoundedFlagGivenTwice_isRefusedAsEveryOptionIs() {
    assertThatThrownBy(() -> JobOptions.parse(concat(REAL, "--bounded", "--bounded")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("option --bounded given twice");
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }
}
