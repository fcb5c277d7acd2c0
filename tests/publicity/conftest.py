from tests.plans.conftest import _media_in_tmp, city_amr, city_region  # noqa: F401 (fixtures)
