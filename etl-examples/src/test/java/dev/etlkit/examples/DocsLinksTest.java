package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link of {@code README.md} and {@code docs/*.md} leads somewhere: the file exists,
 * and a {@code #fragment} into a Markdown page names one of its headings (as GitHub makes anchors
 * of them). Links with a scheme ({@code https:}, {@code mailto:}) are not followed; links inside
 * fenced code blocks are not links.
 */
class DocsLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

  @Test
  void readmeAndDocs_everyRelativeLinkAndAnchorResolves() {
    Path root = DocsSnippetsTest.repositoryRoot();
    List<Path> pages = pages(root);
    List<String> broken = new ArrayList<>();
    int checked = 0;
    Map<Path, Set<String>> anchors = new HashMap<>();
    for (Path page : pages) {
      for (String link : links(read(page))) {
        checked++;
        String problem = check(page, link, anchors);
        if (problem != null) {
          broken.add(root.relativize(page) + ": " + problem);
        }
      }
    }
    assertThat(pages).as("README.md and docs/*.md").hasSizeGreaterThan(10);
    assertThat(checked).as("relative links found").isGreaterThan(100);
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void anchorOf_followsGitHubsRule() {
    assertThat(anchorOf("FormatConversionBenchmark — full pass, 2026-11-21"))
        .isEqualTo("formatconversionbenchmark--full-pass-2026-11-21");
    assertThat(anchorOf("The dedup step's key check, 2026-11-22"))
        .isEqualTo("the-dedup-steps-key-check-2026-11-22");
    assertThat(anchorOf("Output modes (input → output)")).isEqualTo("output-modes-input--output");
    assertThat(anchorOf("`withTimeout` and `Enrich.DEFAULT_TIMEOUT`"))
        .isEqualTo("withtimeout-and-enrichdefault_timeout");
  }

  @Test
  void check_missingFileOrHeading_isReported(@TempDir Path dir) throws IOException {
    Path page = dir.resolve("a.md");
    Files.writeString(page, "# Title\n\n## Two words\n\n```\n## not a heading\n```\n");
    Map<Path, Set<String>> anchors = new HashMap<>();

    assertThat(check(page, "#two-words", anchors)).isNull();
    assertThat(check(page, "a.md#title", anchors)).isNull();
    assertThat(check(page, "#not-a-heading", anchors)).isEqualTo("no heading for #not-a-heading");
    assertThat(check(page, "b.md", anchors)).isEqualTo("no file b.md");
    assertThat(links("see [x](b.md) and [y](https://x.org)\n```\n[z](c.md)\n```\n"))
        .containsExactly("b.md");
  }

  /** What is wrong with {@code link} on {@code page}, or null. */
  private static String check(Path page, String link, Map<Path, Set<String>> anchors) {
    int hash = link.indexOf('#');
    String file = hash < 0 ? link : link.substring(0, hash);
    Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
    if (!Files.exists(target)) {
      return "no file " + link;
    }
    if (hash < 0 || !target.toString().endsWith(".md")) {
      return null;
    }
    String fragment = link.substring(hash + 1);
    Set<String> known = anchors.computeIfAbsent(target, p -> headingAnchors(read(p)));
    return known.contains(fragment) ? null : "no heading for " + link;
  }

  /** The relative link targets of a page, outside fenced code blocks. */
  private static List<String> links(String markdown) {
    List<String> found = new ArrayList<>();
    for (String line : outsideFences(markdown)) {
      Matcher m = LINK.matcher(line);
      while (m.find()) {
        String target = m.group(1);
        if (!SCHEME.matcher(target).find()) {
          found.add(target);
        }
      }
    }
    return found;
  }

  private static Set<String> headingAnchors(String markdown) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : outsideFences(markdown)) {
      Matcher m = HEADING.matcher(line);
      if (m.matches()) {
        String anchor = anchorOf(m.group(1));
        int n = seen.merge(anchor, 1, Integer::sum) - 1;
        anchors.add(n == 0 ? anchor : anchor + "-" + n);
      }
    }
    return anchors;
  }

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  static String anchorOf(String heading) {
    return heading
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{M}\\p{Nd}_\\- ]", "")
        .replace(' ', '-');
  }

  private static List<String> outsideFences(String markdown) {
    List<String> lines = new ArrayList<>();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static List<Path> pages(Path root) {
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      pages.addAll(
          docs.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
