package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/testing.md (dependencies) lists every Flink artifact a user of the test kit must add: those
 * the kit's pom declares {@code provided} (apart from what the user's build from getting started
 * already has), and the changelog state backend that {@code KeyedHarness#withStateChangelog} loads
 * by reflection. Each in test scope, at {@code ${flink.version}}.
 */
class TestingDocsTest {

  /** {@code flink-streaming-java}, in every user's build, brings the annotations. */
  private static final String ANNOTATIONS = "flink-annotations";

  /** Loaded by reflection, so the kit's pom has it in test scope only. */
  private static final String CHANGELOG_BACKEND = "flink-statebackend-changelog";

  private static final Pattern DEPENDENCY =
      Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

  @Test
  void dependencyBlock_listsTheFlinkArtifactsTheKitNeeds_inTestScope() throws IOException {
    Path root = DocsSnippetsTest.repositoryRoot();
    String page = Files.readString(root.resolve("docs/testing.md"), StandardCharsets.UTF_8);
    String block = page.substring(page.indexOf("## Dependencies"), page.indexOf("## A harness"));
    String pom = Files.readString(root.resolve("etl-testkit/pom.xml"), StandardCharsets.UTF_8);
    Set<String> usersBuildHas = new TreeSet<>(List.of(ANNOTATIONS));
    String gettingStarted =
        Files.readString(root.resolve("docs/getting-started.md"), StandardCharsets.UTF_8);
    String usersBuild =
        gettingStarted.substring(
            gettingStarted.indexOf("```xml"),
            gettingStarted.indexOf("```", gettingStarted.indexOf("```xml") + 6));
    for (Matcher m = DEPENDENCY.matcher(usersBuild); m.find(); ) {
      if (element(m.group(1), "groupId").equals("org.apache.flink")) {
        usersBuildHas.add(element(m.group(1), "artifactId"));
      }
    }

    Set<String> needed = new TreeSet<>(List.of(CHANGELOG_BACKEND));
    for (Matcher m = DEPENDENCY.matcher(pom); m.find(); ) {
      String dependency = m.group(1);
      if (element(dependency, "groupId").equals("org.apache.flink")
          && element(dependency, "scope").equals("provided")
          && !usersBuildHas.contains(element(dependency, "artifactId"))) {
        needed.add(element(dependency, "artifactId"));
      }
    }
    Set<String> documented = new TreeSet<>();
    for (Matcher m = DEPENDENCY.matcher(block); m.find(); ) {
      String dependency = m.group(1);
      if (element(dependency, "groupId").equals("org.apache.flink")) {
        documented.add(element(dependency, "artifactId"));
        assertThat(element(dependency, "version")).isEqualTo("${flink.version}");
      }
      assertThat(element(dependency, "scope")).as(dependency).isEqualTo("test");
    }

    assertThat(documented).isEqualTo(needed);
  }

  private static String element(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
    return m.find() ? m.group(1).strip() : "";
  }
}
