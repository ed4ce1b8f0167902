"""What every app's pages share: page helpers (:mod:`~pcnhub.pages.views`), form mixins and the
date form (:mod:`~pcnhub.pages.forms`), and table downloads (:mod:`~pcnhub.pages.exports`)."""
