"""Schema migrations, applied in order; `meta.schema_version` records the last one.

Add a migration by appending to MIGRATIONS; never edit a released one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: articles, runs, stories and stage state
    """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        inputs TEXT NOT NULL DEFAULT '[]',
        counts TEXT NOT NULL DEFAULT '{}',
        errors TEXT NOT NULL DEFAULT '[]',
        timings TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        external_id TEXT,
        url TEXT,
        title TEXT,
        outlet TEXT,
        published TEXT,
        language TEXT,
        data TEXT NOT NULL,
        first_run INTEGER REFERENCES runs(id),
        added TEXT NOT NULL
    );
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles(id),
        source TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        PRIMARY KEY (article_id, source)
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        n_articles INTEGER NOT NULL DEFAULT 0,
        n_independent INTEGER,
        n_conflicts INTEGER,
        first_published TEXT,
        last_published TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        created_run INTEGER REFERENCES runs(id),
        updated_run INTEGER REFERENCES runs(id)
    );
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        story_id TEXT NOT NULL REFERENCES stories(id)
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER REFERENCES runs(id),
        kind TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE stage_state (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    """,
    # 2: per-article analysis (computed once) and article-pair alignments (computed once per pair)
    """
    CREATE TABLE article_analysis (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        version INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE pair_alignments (
        a TEXT NOT NULL REFERENCES articles(id),
        b TEXT NOT NULL REFERENCES articles(id),
        version TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX pair_alignments_b ON pair_alignments(b);
    """,
    # 3: the clustering state as indexed tables (see store/cluster_index.py), replacing the single stage_state
    # blob "cluster", which is imported once on first use
    """
    CREATE TABLE cluster_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        articles INTEGER NOT NULL,
        stories INTEGER NOT NULL,
        tail INTEGER NOT NULL,
        generation INTEGER NOT NULL
    );
    CREATE TABLE cluster_articles (
        idx INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL UNIQUE,
        story INTEGER NOT NULL,
        features BLOB NOT NULL
    );
    CREATE INDEX cluster_articles_story ON cluster_articles(story);
    CREATE TABLE cluster_stories (
        idx INTEGER PRIMARY KEY,
        story_id TEXT NOT NULL
    );
    CREATE TABLE cluster_df (
        term INTEGER PRIMARY KEY,
        n INTEGER NOT NULL
    );
    CREATE TABLE cluster_postings (
        term INTEGER PRIMARY KEY,
        tail BLOB NOT NULL
    );
    CREATE TABLE cluster_lsh (
        band INTEGER NOT NULL,
        key INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        PRIMARY KEY (band, key, idx)
    ) WITHOUT ROWID;
    """,
    # 4 (robust): a story whose stages failed is marked (and skipped until it changes) instead of blocking every later
    # run; each run records its process and host, so a killed run is marked `interrupted` by the next one
    """
    ALTER TABLE stories ADD COLUMN failed TEXT;
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    """,
    # 5 (front): fetched pages, kept raw so a re-analysis never fetches them again (wiretrace/fetch)
    """
    CREATE TABLE fetched_pages (
        url TEXT PRIMARY KEY,
        final_url TEXT NOT NULL,
        status INTEGER NOT NULL,
        content_type TEXT,
        redirects TEXT NOT NULL DEFAULT '[]',
        fetched TEXT NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX fetched_pages_final ON fetched_pages(final_url);
    """,
    # 6 (trust): publication identity (model.Article.publication_key): one article per publication, found by its key.
    # Rows stored before keep their ids and get the key "legacy <id>"; `Store.add_articles` matches them by the
    # old title+text id when URL and outlet agree, and gives them their real key then.
    """
    ALTER TABLE articles ADD COLUMN publication TEXT;
    UPDATE articles SET publication = 'legacy ' || id WHERE publication IS NULL;
    CREATE UNIQUE INDEX articles_publication ON articles(publication);
    """,
    # 7 (scale): a large story's report form stored one field a row (`stories.data` is then ''): one value of
    # ~100 MB (a story of 4,000 articles) took ~450 MB to write and as much to read. Parts are read only while
    # `data` is ''; the store drops them whenever it writes `data` again or deletes the story.
    """
    CREATE TABLE story_parts (
        story_id TEXT NOT NULL REFERENCES stories(id),
        seq INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (story_id, seq)
    );
    """,
]
