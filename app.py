"""Placeholder frame until the app issue: shows that the data loads."""

import streamlit as st

from atlas.load import load_atlas

st.set_page_config(page_title="贵州铝产业集群地图 · Guizhou Aluminium Cluster Atlas", layout="wide")
atlas = load_atlas()
st.title("贵州铝产业集群地图 · Guizhou Aluminium Cluster Atlas")
st.write(f"{len(atlas.zones)} zones, {len(atlas.projects)} projects")
