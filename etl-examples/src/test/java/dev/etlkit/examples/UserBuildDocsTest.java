package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The build a user copies from the docs works outside this repository: getting-started.md's first
 * block (and the README's) is a user's pom, and docs/testing.md adds to it. Found by building a job
 * against the installed modules from a fresh project: without {@code flink-clients} every {@code
 * env.execute} of a local run or test fails ("No ExecutorFactory found to execute the
 * application"), without {@code flink-statebackend-rocksdb} the local RocksDB environment the page
 * shows fails ("Cannot find configured state backend factory class: rocksdb"), and a property a
 * block uses but the user's build never defines (testing.md's {@code ${etlkit.version}}) fails
 * Maven before anything runs.
 */
class UserBuildDocsTest {

  /**
   * What a local run of a pipeline needs besides etlkit: the DataStream API, the executor behind
   * {@code env.execute} on a local cluster, and the RocksDB state backend of the local environment
   * getting started shows. All in the Flink distribution, so {@code provided}.
   */
  private static final Set<String> LOCAL_RUN =
      Set.of("flink-streaming-java", "flink-clients", "flink-statebackend-rocksdb");

  private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern DEPENDENCY =
      Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern PROPERTY_USE = Pattern.compile("\\$\\{([\\w.-]+)}");

  @Test
  void gettingStarted_isAUsersBuildThatRunsAPipelineLocally() throws IOException {
    String block = firstXmlBlock("docs/getting-started.md");

    assertThat(properties(block)).containsEntry("flink.version", rootProperty("flink.version"));
    assertThat(flinkDependencies(block, "docs/getting-started.md"))
        .isEqualTo(new TreeSet<>(LOCAL_RUN));
  }

  @Test
  void readme_usesTheSameFlinkDependenciesAsGettingStarted() throws IOException {
    String readme = firstXmlBlock("README.md");

    assertThat(properties(readme)).isEqualTo(properties(firstXmlBlock("docs/getting-started.md")));
    assertThat(flinkDependencies(readme, "README.md")).isEqualTo(new TreeSet<>(LOCAL_RUN));
  }

  @Test
  void everyPropertyTheDocsUse_isDefinedByGettingStarted_andEtlkitVersionsComeFromTheBom()
      throws IOException {
    Map<String, String> defined = properties(firstXmlBlock("docs/getting-started.md"));
    List<String> problems = new ArrayList<>();
    for (String page : List.of("README.md", "docs/getting-started.md", "docs/testing.md")) {
      for (String block : xmlBlocks(page)) {
        for (Matcher m = PROPERTY_USE.matcher(block); m.find(); ) {
          if (!defined.containsKey(m.group(1))) {
            problems.add(page + " uses ${" + m.group(1) + "}, which getting started never defines");
          }
        }
        for (Matcher m = DEPENDENCY.matcher(block); m.find(); ) {
          String dependency = m.group(1);
          if (element(dependency, "groupId").equals("dev.etlkit")
              && !element(dependency, "artifactId").equals("etl-bom")
              && !element(dependency, "version").isEmpty()) {
            problems.add(
                page
                    + " gives "
                    + element(dependency, "artifactId")
                    + " a version: the BOM manages it");
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /** The Flink artifacts of a block, each checked to be provided at ${flink.version}. */
  private static Set<String> flinkDependencies(String block, String page) {
    Set<String> flink = new TreeSet<>();
    for (Matcher m = DEPENDENCY.matcher(block); m.find(); ) {
      String dependency = m.group(1);
      if (element(dependency, "groupId").equals("org.apache.flink")) {
        flink.add(element(dependency, "artifactId"));
        assertThat(element(dependency, "scope")).as(page + ": " + dependency).isEqualTo("provided");
        assertThat(element(dependency, "version"))
            .as(page + ": " + dependency)
            .isEqualTo("${flink.version}");
      }
    }
    return flink;
  }

  private static Map<String, String> properties(String block) {
    Map<String, String> properties = new TreeMap<>();
    int start = block.indexOf("<properties>");
    if (start < 0) {
      return properties;
    }
    String section = block.substring(start, block.indexOf("</properties>", start));
    Matcher m = Pattern.compile("<([\\w.-]+)>([^<]*)</\\1>").matcher(section);
    while (m.find()) {
      properties.put(m.group(1), m.group(2).strip());
    }
    return properties;
  }

  private static String rootProperty(String name) throws IOException {
    String pom = read("pom.xml");
    return element(pom.substring(pom.indexOf("<properties>")), name);
  }

  private static String firstXmlBlock(String page) throws IOException {
    List<String> blocks = xmlBlocks(page);
    assertThat(blocks).as("xml blocks of " + page).isNotEmpty();
    return blocks.get(0);
  }

  private static List<String> xmlBlocks(String page) throws IOException {
    List<String> blocks = new ArrayList<>();
    for (Matcher m = XML_BLOCK.matcher(read(page)); m.find(); ) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  private static String read(String file) throws IOException {
    return Files.readString(
        DocsSnippetsTest.repositoryRoot().resolve(Path.of(file)), StandardCharsets.UTF_8);
  }

  private static String element(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
    return m.find() ? m.group(1).strip() : "";
  }
}
